/** Types of the console's pure chart module (charts.js), for the Node tests. */
export interface Node {
  tag: string;
  attrs?: Record<string, string>;
  children?: Node[];
  text?: string;
}
export const PALETTE: string[];
export function fmt(v: number): string;
export function lineChart(c: { title: string; unit?: string; series: Array<{ name: string; points: Array<[number, number]> }>; empty?: string }): Node;
export function barChart(c: { title: string; unit?: string; bars: Array<{ label: string; value: number; series?: number }>; empty?: string }): Node;
