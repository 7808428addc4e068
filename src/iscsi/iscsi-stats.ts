// Counters of the iSCSI server, for logs, the health page and tests that need to know a path was taken.

export interface IscsiStats {
  connections: number;
  loginsAccepted: number;
  loginsRefused: number;
  /** Connections closed because their bytes could not be framed (bad length, header digest). */
  closedGarbage: number;
  closedIdle: number;
  dataDigestErrors: number;
  rejects: number;
  commands: number;
  checkConditions: number;
  taskAborts: number;
  sessionsReinstated: number;
}

export function createIscsiStats(): IscsiStats {
  return {
    connections: 0,
    loginsAccepted: 0,
    loginsRefused: 0,
    closedGarbage: 0,
    closedIdle: 0,
    dataDigestErrors: 0,
    rejects: 0,
    commands: 0,
    checkConditions: 0,
    taskAborts: 0,
    sessionsReinstated: 0,
  };
}
