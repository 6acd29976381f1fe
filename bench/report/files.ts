// Writes a run's JSON (everything), CSV of every trial and CSV of the summary into the output dir.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { BenchResult, TrialRecord } from '../results.js';

const TRIAL_COLUMNS: (keyof TrialRecord | `latency.${keyof TrialRecord['latency']}`)[] = [
  'startedAt',
  'path',
  'round',
  'frameSize',
  'purpose',
  'ratePps',
  'durationS',
  'elapsedS',
  'txIntended',
  'txSent',
  'txFailed',
  'rxPackets',
  'lost',
  'lossRatio',
  'rxRatePps',
  'reordered',
  'latency.samples',
  'latency.minNs',
  'latency.avgNs',
  'latency.p50Ns',
  'latency.p90Ns',
  'latency.p99Ns',
  'latency.maxNs',
];

function csvCell(value: unknown): string {
  const text = String(value ?? '');
  return /[",\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function trialsCsv(trials: TrialRecord[]): string {
  const lines = [TRIAL_COLUMNS.join(',')];
  for (const trial of trials) {
    lines.push(
      TRIAL_COLUMNS.map((column) => {
        if (column.startsWith('latency.'))
          return csvCell(trial.latency[column.slice(8) as keyof TrialRecord['latency']]);
        return csvCell(trial[column as keyof TrialRecord]);
      }).join(','),
    );
  }
  return `${lines.join('\n')}\n`;
}

export function summaryCsv(result: BenchResult): string {
  const lines = [
    'path,frameSize,ndrMedianPps,ndrMinPps,ndrMaxPps,pdrMedianPps,pdrMinPps,pdrMaxPps,mrrMedianPps,rounds',
  ];
  for (const row of result.summary) {
    lines.push(
      [
        row.path,
        row.frameSize,
        row.ndr.median,
        row.ndr.min,
        row.ndr.max,
        row.pdr.median,
        row.pdr.min,
        row.pdr.max,
        row.mrr.median,
        row.ndr.n,
      ]
        .map(csvCell)
        .join(','),
    );
  }
  return `${lines.join('\n')}\n`;
}

export interface WrittenFiles {
  json: string;
  trialsCsv: string;
  summaryCsv: string;
  html: string;
}

export function writeResultFiles(outDir: string, result: BenchResult, html: string): WrittenFiles {
  mkdirSync(outDir, { recursive: true });
  const files: WrittenFiles = {
    json: join(outDir, 'results.json'),
    trialsCsv: join(outDir, 'trials.csv'),
    summaryCsv: join(outDir, 'summary.csv'),
    html: join(outDir, 'report.html'),
  };
  writeFileSync(files.json, `${JSON.stringify(result, null, 2)}\n`);
  writeFileSync(files.trialsCsv, trialsCsv(result.trials));
  writeFileSync(files.summaryCsv, summaryCsv(result));
  writeFileSync(files.html, html);
  return files;
}
