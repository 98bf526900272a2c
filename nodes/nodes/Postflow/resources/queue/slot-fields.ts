import type { IDataObject, IExecuteFunctions, INodeProperties } from 'n8n-workflow';
import { NodeOperationError } from 'n8n-workflow';

/** Create and Update's time zone: slot times are wall-clock times there. */
export const timeZoneField: INodeProperties = {
	displayName: 'Time Zone',
	name: 'timezone',
	type: 'string',
	default: 'UTC',
	placeholder: 'e.g. Europe/Berlin',
	description: 'IANA time zone the slot times are wall-clock times in',
};

/** Weekly slots as groups: every listed time on every listed day (the API's `slots`). */
export const slotsField: INodeProperties = {
	displayName: 'Slots',
	name: 'slots',
	type: 'fixedCollection',
	typeOptions: { multipleValues: true },
	default: {},
	placeholder: 'Add Slot Group',
	description: 'Weekly time slots: each group is every listed time on every listed day',
	options: [
		{
			displayName: 'Slot Group',
			name: 'groups',
			values: [
				{
					displayName: 'Days',
					name: 'days',
					type: 'multiOptions',
					default: [],
					options: [
						{ name: 'Friday', value: 'fri' },
						{ name: 'Monday', value: 'mon' },
						{ name: 'Saturday', value: 'sat' },
						{ name: 'Sunday', value: 'sun' },
						{ name: 'Thursday', value: 'thu' },
						{ name: 'Tuesday', value: 'tue' },
						{ name: 'Wednesday', value: 'wed' },
					],
				},
				{
					displayName: 'Times',
					name: 'times',
					type: 'string',
					default: '',
					placeholder: 'e.g. 09:00, 12:30, 17:00',
					description: '24-hour times (HH:MM), separated by commas or spaces',
				},
			],
		},
	],
};

/** The Slots value as the API's `slots`; an empty group is refused before any request. */
export function slotsBody(ctx: IExecuteFunctions, i: number, value: IDataObject): IDataObject[] {
	const groups = (value.groups as IDataObject[] | undefined) ?? [];
	return groups.map((group, index) => {
		const days = (group.days as string[] | undefined) ?? [];
		const times = String(group.times ?? '')
			.split(/[\s,;]+/)
			.filter(Boolean);
		if (!days.length || !times.length) {
			throw new NodeOperationError(
				ctx.getNode(),
				`Slot group ${index + 1} has no ${days.length ? 'times' : 'days'} [item ${i}]`,
				{
					itemIndex: i,
					description: 'Each slot group needs at least one day and one time, e.g. Monday, 09:00.',
				},
			);
		}
		return { days, times };
	});
}
