import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { type ChildProcess, spawn } from 'node:child_process';
import { freePort } from './ports';
import { motoServer } from './tools';

/** A real S3-compatible server (moto) on loopback, with one bucket. */
export class S3Server {
  readonly bucket = 'postflow-media';
  readonly credentials = { AWS_ACCESS_KEY_ID: 'test-key', AWS_SECRET_ACCESS_KEY: 'test-secret' };
  endpoint = '';
  client!: S3Client;
  private process?: ChildProcess;

  async start(): Promise<this> {
    const port = await freePort();
    this.endpoint = `http://127.0.0.1:${port}`;
    this.process = spawn(motoServer(), ['-m', 'moto.server', '-H', '127.0.0.1', '-p', String(port)], {
      stdio: 'ignore',
    });
    for (let i = 0; ; i++) {
      const up = await fetch(`${this.endpoint}/`).then(
        () => true,
        () => false,
      );
      if (up) break;
      if (i > 300) throw new Error('moto did not start');
      await new Promise((r) => setTimeout(r, 100));
    }
    this.client = new S3Client({
      endpoint: this.endpoint,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: {
        accessKeyId: this.credentials.AWS_ACCESS_KEY_ID,
        secretAccessKey: this.credentials.AWS_SECRET_ACCESS_KEY,
      },
    });
    await this.client.send(new CreateBucketCommand({ Bucket: this.bucket }));
    return this;
  }

  /** The environment that points Postflow's media at this bucket. */
  env(): Record<string, string> {
    return {
      POSTFLOW_S3_BUCKET: this.bucket,
      POSTFLOW_S3_ENDPOINT: this.endpoint,
      POSTFLOW_S3_REGION: 'us-east-1',
      POSTFLOW_S3_PREFIX: 'media/',
      ...this.credentials,
    };
  }

  stop(): void {
    this.client?.destroy();
    this.process?.kill('SIGKILL');
  }
}
