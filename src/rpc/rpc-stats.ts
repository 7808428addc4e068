// Counters of the RPC server (RFC 5531): what it answered, what it dropped, and why connections ended.

export interface RpcStats {
  /** Calls that decoded (answered or not). */
  calls: number;
  /** Replies sent, of any kind. */
  replies: number;
  /** Messages dropped unanswered: undecodable, not a call, or a handler's `drop`. */
  dropped: number;
  /** Calls refused before any handler ran: RPC_MISMATCH, AUTH_ERROR, PROG_UNAVAIL, PROG_MISMATCH, PROC_UNAVAIL. */
  rejected: number;
  garbageArgs: number;
  systemErrors: number;
  /** Results larger than the transport allows (UDP), answered with SYSTEM_ERR. */
  oversizeReplies: number;
  tcpAccepted: number;
  /** Connections turned away at the connection limit. */
  tcpRefused: number;
  /** Connections closed because their record marking broke (garbage, or a record over the size limit). */
  tcpClosedGarbage: number;
  tcpClosedIdle: number;
  tcpOpen: number;
  /** Small TCP replies the kernel took whole at once (the sendfile addon's send(2)), without Node's stream. */
  tcpSentAtOnce: number;
  /** TCP replies whose payload went from a file to the socket inside the kernel (sendfile). */
  tcpFromKernel: number;
  /** Of those, replies sent whole on the event loop: the range all in the page cache, and room in the socket. */
  tcpFromKernelOnLoop: number;
  /** Of those, sends that failed and closed their connection (the client went away, the file shrank). */
  tcpFromKernelFailed: number;
  /** Datagrams dropped because too many calls were already being handled. */
  udpBusy: number;
}

export function createRpcStats(): RpcStats {
  return {
    calls: 0,
    replies: 0,
    dropped: 0,
    rejected: 0,
    garbageArgs: 0,
    systemErrors: 0,
    oversizeReplies: 0,
    tcpAccepted: 0,
    tcpRefused: 0,
    tcpClosedGarbage: 0,
    tcpClosedIdle: 0,
    tcpOpen: 0,
    tcpSentAtOnce: 0,
    tcpFromKernel: 0,
    tcpFromKernelOnLoop: 0,
    tcpFromKernelFailed: 0,
    udpBusy: 0,
  };
}
