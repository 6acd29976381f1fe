// The package version, read once from the package.json next to proto/ (repo or installed package).
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { protoPath } from './api/proto.js';

let version: string | undefined;

export function packageVersion(): string {
  version ??= (
    JSON.parse(readFileSync(join(dirname(dirname(protoPath())), 'package.json'), 'utf8')) as {
      version: string;
    }
  ).version;
  return version;
}
