// Minimal ONC RPC clients for server tests (RFC 5531 §9, §11): calls over a TCP connection or in UDP datagrams,
// replies matched by xid.
import { createSocket } from 'node:dgram';
import { connect } from 'node:net';
import type { Socket } from 'node:net';
import { RecordDecoder, encodeRecord } from '../../src/rpc/record-marking.js';
import { decodeRpcReply, encodeRpcCall } from '../../src/rpc/rpc-message.js';
import type { RpcCallInput, RpcReply } from '../../src/rpc/rpc-message.js';
import { closeUdpSocket } from '../../src/net/close-udp-socket.js';
import { XdrReader } from '../../src/rpc/xdr-reader.js';
import { XdrWriter } from '../../src/rpc/xdr-writer.js';

const WAIT_MS = 10_000;

/** A call's arguments, written with an XdrWriter. */
export function xdrArgs(write: (w: XdrWriter) => void): Buffer {
  const w = new XdrWriter();
  write(w);
  return w.toBuffer();
}

/** A reader over a reply's results, after checking that it is a success. */
export function successResults(reply: RpcReply): XdrReader {
  if (reply.kind !== 'success') throw new Error(`expected a success reply, got ${JSON.stringify(reply)}`);
  return new XdrReader(reply.results ?? new Uint8Array(0));
}

export interface TcpRpcClient {
  readonly socket: Socket;
  call(input: RpcCallInput): Promise<RpcReply>;
  /** Sends bytes as they are (garbage, hand-made records). */
  sendRaw(bytes: Uint8Array): void;
  /** Waits for the reply with this xid (for calls sent with sendRaw). */
  reply(xid: number): Promise<RpcReply>;
  /** Every reply received so far, in arrival order. */
  readonly received: RpcReply[];
  /** Resolves when the server (or we) closed the connection. */
  readonly closed: Promise<void>;
  close(): void;
}

export async function connectTcp(port: number): Promise<TcpRpcClient> {
  const socket = connect({ host: '127.0.0.1', port });
  socket.setNoDelay(true);
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  socket.on('error', () => {});
  const decoder = new RecordDecoder({ maxRecord: 64 * 1024 * 1024, maxFragment: 64 * 1024 * 1024 });
  const received: RpcReply[] = [];
  const waiters = new Map<number, (reply: RpcReply) => void>();
  socket.on('data', (chunk: Buffer) => {
    for (const record of decoder.push(chunk).records) {
      const decoded = decodeRpcReply(record);
      if (!decoded.ok) throw new Error(`server sent an undecodable reply: ${decoded.code} ${decoded.detail}`);
      received.push(decoded.reply);
      waiters.get(decoded.reply.xid)?.(decoded.reply);
      waiters.delete(decoded.reply.xid);
    }
  });
  const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
  const reply = (xid: number): Promise<RpcReply> => {
    const earlier = received.find((r) => r.xid === xid);
    if (earlier !== undefined) return Promise.resolve(earlier);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no reply to xid ${xid} within ${WAIT_MS} ms`)), WAIT_MS);
      void closed.then(() => {
        clearTimeout(timer);
        reject(new Error(`connection closed before the reply to xid ${xid}`));
      });
      waiters.set(xid, (r) => {
        clearTimeout(timer);
        resolve(r);
      });
    });
  };
  return {
    socket,
    call: (input) => {
      const pending = reply(input.xid);
      socket.write(encodeRecord(encodeRpcCall(input)));
      return pending;
    },
    sendRaw: (bytes) => socket.write(bytes),
    reply,
    received,
    closed,
    close: () => socket.destroy(),
  };
}

/** Sends one datagram and resolves with the reply carrying `xid`, or null when none came within `waitMs`. */
export async function udpExchange(port: number, datagram: Uint8Array, xid: number, waitMs = WAIT_MS): Promise<{ reply: RpcReply; bytes: Buffer } | null> {
  const socket = createSocket('udp4');
  try {
    return await new Promise((resolve, reject) => {
      const timer = setTimeout(() => resolve(null), waitMs);
      socket.on('message', (msg) => {
        const decoded = decodeRpcReply(msg);
        if (!decoded.ok) {
          clearTimeout(timer);
          reject(new Error(`server sent an undecodable reply: ${decoded.code}`));
        } else if (decoded.reply.xid === xid) {
          clearTimeout(timer);
          resolve({ reply: decoded.reply, bytes: msg });
        }
      });
      socket.send(datagram, port, '127.0.0.1');
    });
  } finally {
    await closeUdpSocket(socket);
  }
}

export async function udpCall(port: number, input: RpcCallInput): Promise<RpcReply> {
  const got = await udpExchange(port, encodeRpcCall(input), input.xid);
  if (got === null) throw new Error(`no UDP reply to xid ${input.xid}`);
  return got.reply;
}
