// A last-in-first-out list of cleanups (stop the VM, then the servers, then delete the namespace) that all run
// even when one of them fails; register `t.after(() => teardown.run())` once per test.

export class Teardown {
  #steps: Array<{ readonly what: string; readonly step: () => Promise<unknown> | unknown }> = [];

  defer(what: string, step: () => Promise<unknown> | unknown): void {
    this.#steps.push({ what, step });
  }

  async run(): Promise<void> {
    const failures: string[] = [];
    while (this.#steps.length > 0) {
      const { what, step } = this.#steps.pop()!;
      try {
        await step();
      } catch (error) {
        failures.push(`${what}: ${error instanceof Error ? error.message : String(error)}`);
      }
    }
    if (failures.length > 0) throw new Error(`cleanup failed:\n${failures.join('\n')}`);
  }
}
