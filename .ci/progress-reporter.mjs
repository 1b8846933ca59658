// A vitest reporter for .ci/run, switched on by vitest.config.ts only when GENSTREAM_CI_PROGRESS names a
// file. It appends one line per event, synchronously, so the log survives when a hung run is killed by
// .ci/run's time limit (vitest writes its JSON report only at the end): .ci/report.mjs then counts the
// results that did arrive and names the files that never finished.
//   node <version of the node running vitest>  |  planned <file>  |  queued <file>  |  start <file>
//   |  end <file>  |  result <file> <state> <full name>
import { appendFileSync, writeFileSync } from 'node:fs';
import { relative } from 'node:path';

export default class ProgressReporter {
  constructor() {
    this.file = process.env.GENSTREAM_CI_PROGRESS;
    if (this.file) writeFileSync(this.file, '');
    this.log('node', process.version);
  }

  log(...fields) {
    if (this.file) appendFileSync(this.file, `${fields.map((f) => String(f).replace(/[\t\n]/g, ' ')).join('\t')}\n`);
  }

  name(testModule) {
    return relative(process.cwd(), testModule.moduleId);
  }

  onTestRunStart(specifications) {
    for (const spec of specifications) this.log('planned', relative(process.cwd(), spec.moduleId));
  }

  onTestModuleQueued(testModule) {
    this.log('queued', this.name(testModule));
  }

  onTestModuleStart(testModule) {
    this.log('start', this.name(testModule));
  }

  onTestModuleEnd(testModule) {
    this.log('end', this.name(testModule));
  }

  onTestCaseResult(testCase) {
    this.log('result', this.name(testCase.module), testCase.result().state, testCase.fullName);
  }
}
