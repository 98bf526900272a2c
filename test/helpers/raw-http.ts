import { connect } from 'node:net';

export interface RawResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
  /** The server answered "100 Continue" first and the body was sent. */
  continued?: boolean;
}

/**
 * Sends bytes exactly as given (invalid UTF-8, a lying Content-Length, headers no client library
 * would send) and reads one HTTP/1.1 response. `endEarly` half-closes the connection after
 * writing, as a client that dies mid-body does. Resolves when the server has answered in full or
 * closed the connection; `status` 0 means it closed without answering. `waitForContinue` sends
 * the body only after the server's "100 Continue" (the head must carry `Expect: 100-continue`),
 * as curl does with large bodies; a final answer instead means the body is never sent.
 */
export function rawRequest(
  port: number,
  head: string,
  body: Buffer = Buffer.alloc(0),
  { endEarly = false, waitForContinue = false, timeoutMs = 30_000 } = {},
): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const socket = connect({ port, host: '127.0.0.1', allowHalfOpen: true });
    let chunks: Buffer[] = [];
    let continued = false;
    const timer = setTimeout(() => {
      socket.destroy();
      reject(new Error(`no answer in ${timeoutMs} ms to ${head.split('\r\n')[0]}`));
    }, timeoutMs);
    const finish = () => {
      clearTimeout(timer);
      socket.destroy();
      resolve({ ...parse(Buffer.concat(chunks)), ...(waitForContinue ? { continued } : {}) });
    };
    const sendBody = () =>
      socket.write(body, () => {
        if (endEarly) socket.end();
      });
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      const received = Buffer.concat(chunks);
      const interim = waitForContinue && /^HTTP\/1\.1 100 /.exec(received.toString('latin1'));
      const end = received.indexOf('\r\n\r\n');
      if (interim && end >= 0) {
        chunks = [received.subarray(end + 4)];
        continued = true;
        sendBody();
      } else if (complete(received)) finish();
    });
    socket.on('end', finish);
    socket.on('close', finish);
    // The server may close while a huge request is still being written; its answer is what counts.
    socket.on('error', () => undefined);
    if (waitForContinue) socket.write(Buffer.from(head, 'latin1'));
    else socket.write(Buffer.from(head, 'latin1'), sendBody);
  });
}

function split(raw: Buffer): { head: string; body: Buffer } | undefined {
  const end = raw.indexOf('\r\n\r\n');
  return end < 0 ? undefined : { head: raw.subarray(0, end).toString('latin1'), body: raw.subarray(end + 4) };
}

function complete(raw: Buffer): boolean {
  const parts = split(raw);
  const length = parts && /\r\ncontent-length:\s*(\d+)/i.exec(parts.head);
  return !!length && parts.body.length >= Number(length[1]);
}

function parse(raw: Buffer): RawResponse {
  const parts = split(raw);
  if (!parts) return { status: 0, headers: {}, body: raw.toString('utf8') };
  const [statusLine, ...lines] = parts.head.split('\r\n');
  const headers = Object.fromEntries(
    lines.map((line) => {
      const colon = line.indexOf(':');
      return [line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim()];
    }),
  );
  return { status: Number(statusLine.split(' ')[1]), headers, body: parts.body.toString('utf8') };
}
