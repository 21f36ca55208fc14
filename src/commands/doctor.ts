import { BaseCommand } from '../base-command.js';

export default class Doctor extends BaseCommand {
  static override summary = "Check berth's setup: engine, shims, recipes and the project's berth.lock.";
  static override description = `One line per check: "ok ..." or "problem ...; fix: ...". Exit 1 when there is any problem.
Checks: the engine is reachable (and its version); the shim directory is on PATH; every shim's Node and berth entry exist; every recipe file is valid; inside a project, berth.lock is in sync with berth.yaml.`;

  static override examples = ['<%= config.bin %> doctor'];

  async run(): Promise<void> {
    await this.parse(Doctor);
    const { diagnose } = await import('../app/doctor.js');
    const { formatFinding } = await import('../ui/doctor-view.js');
    const findings = await diagnose(process.cwd());
    for (const f of findings) this.out(formatFinding(f));
    if (findings.some((f) => !f.ok)) process.exitCode = 1;
  }
}
