// Validates the hardware facts that the inventory agent (src/inventory/agent/bramble-agent.sh, format 1) posts into the AgentFacts kept as Machine.hardware; pure.
import { normalizeMac } from '../net/mac.js';

export const AGENT_FORMAT = 1;

export interface AgentCpu {
  /** x86 "model name", or "ARM Cortex-A72" from the ARM part number. */
  readonly model?: string;
  /** ARM only: /proc/cpuinfo "CPU implementer" and "CPU part", e.g. 0x41 and 0xd08. */
  readonly implementer?: string;
  readonly part?: string;
  readonly cores?: number;
  /** Logical CPUs. */
  readonly threads?: number;
}

export interface AgentDisk {
  /** The kernel's name under /sys/block: sda, nvme0n1, mmcblk0. */
  readonly name: string;
  readonly sizeBytes?: number;
  readonly model?: string;
  readonly rotational?: boolean;
  readonly removable?: boolean;
}

export interface AgentNic {
  readonly name: string;
  /** Lower-case and colon-separated, as Machine.mac. */
  readonly mac?: string;
  /** Absent when the link is down or the driver does not say (Wi-Fi, virtio). */
  readonly speedMbps?: number;
  readonly driver?: string;
}

/** A missing, null or blank fact is left out rather than stored empty. */
export interface AgentFacts {
  readonly hostname?: string;
  /** Kernel release, as uname -r. */
  readonly kernel?: string;
  readonly cmdline?: string;
  readonly cpu?: AgentCpu;
  readonly memoryBytes?: number;
  readonly disks: readonly AgentDisk[];
  readonly nics: readonly AgentNic[];
  // The SMBIOS facts under Machine's names for what iPXE reports (${manufacturer}, ${product}, ${serial}, ${uuid}).
  readonly manufacturer?: string;
  readonly product?: string;
  readonly serial?: string;
  readonly uuid?: string;
  readonly boardManufacturer?: string;
  readonly boardProduct?: string;
  readonly biosVersion?: string;
  /** Device-tree boards (Raspberry Pi): "Raspberry Pi 4 Model B Rev 1.4". */
  readonly deviceModel?: string;
  /** /proc/cpuinfo Serial or the device tree's serial-number. */
  readonly piSerial?: string;
}

export type AgentFactsCheck = { readonly ok: true; readonly facts: AgentFacts } | { readonly ok: false; readonly field: string; readonly error: string };

/** Kernel limits where there is one (HOST_NAME_MAX, IFNAMSIZ, DISK_NAME_LEN, COMMAND_LINE_SIZE), else generous. */
export const agentFactsLimits = {
  hostname: 64,
  kernel: 64,
  cmdline: 4096,
  text: 256,
  cpuId: 16,
  piSerial: 64,
  driver: 64,
  diskName: 32,
  nicName: 15,
  disks: 256,
  nics: 256,
  cpus: 65536,
  speedMbps: 10_000_000,
} as const;

class FieldError extends Error {
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(message);
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Fields this server does not know are ignored, so that a newer agent's report still goes in. */
export function checkAgentFacts(body: unknown): AgentFactsCheck {
  try {
    return { ok: true, facts: readFacts(body) };
  } catch (error) {
    if (error instanceof FieldError) return { ok: false, field: error.field, error: error.message };
    throw error;
  }
}

function readFacts(body: unknown): AgentFacts {
  const o = record(body, 'body');
  if (o.format !== undefined && o.format !== AGENT_FORMAT) {
    throw new FieldError('format', `this server reads agent format ${AGENT_FORMAT}, not ${JSON.stringify(o.format)}`);
  }
  const l = agentFactsLimits;
  return defined({
    hostname: text(o.hostname, 'hostname', l.hostname),
    kernel: text(o.kernel, 'kernel', l.kernel),
    cmdline: text(o.cmdline, 'cmdline', l.cmdline),
    cpu: o.cpu === undefined || o.cpu === null ? undefined : readCpu(o.cpu),
    memoryBytes: count(o.memoryBytes, 'memoryBytes', 0, Number.MAX_SAFE_INTEGER),
    disks: list(o.disks, 'disks', l.disks, readDisk),
    nics: list(o.nics, 'nics', l.nics, readNic),
    manufacturer: text(o.manufacturer, 'manufacturer', l.text),
    product: text(o.product, 'product', l.text),
    serial: text(o.serial, 'serial', l.text),
    uuid: uuid(o.uuid, 'uuid'),
    boardManufacturer: text(o.boardManufacturer, 'boardManufacturer', l.text),
    boardProduct: text(o.boardProduct, 'boardProduct', l.text),
    biosVersion: text(o.biosVersion, 'biosVersion', l.text),
    deviceModel: text(o.deviceModel, 'deviceModel', l.text),
    piSerial: text(o.piSerial, 'piSerial', l.piSerial),
  });
}

function readCpu(value: unknown): AgentCpu | undefined {
  const o = record(value, 'cpu');
  const l = agentFactsLimits;
  const cpu = defined({
    model: text(o.model, 'cpu.model', l.text),
    implementer: text(o.implementer, 'cpu.implementer', l.cpuId),
    part: text(o.part, 'cpu.part', l.cpuId),
    cores: count(o.cores, 'cpu.cores', 1, l.cpus),
    threads: count(o.threads, 'cpu.threads', 1, l.cpus),
  });
  return Object.keys(cpu).length === 0 ? undefined : cpu;
}

function readDisk(value: unknown, field: string): AgentDisk {
  const o = record(value, field);
  return defined({
    name: name(o.name, `${field}.name`, agentFactsLimits.diskName),
    sizeBytes: count(o.sizeBytes, `${field}.sizeBytes`, 0, Number.MAX_SAFE_INTEGER),
    model: text(o.model, `${field}.model`, agentFactsLimits.text),
    rotational: flag(o.rotational, `${field}.rotational`),
    removable: flag(o.removable, `${field}.removable`),
  });
}

function readNic(value: unknown, field: string): AgentNic {
  const o = record(value, field);
  return defined({
    name: name(o.name, `${field}.name`, agentFactsLimits.nicName),
    mac: mac(o.mac, `${field}.mac`),
    speedMbps: count(o.speedMbps, `${field}.speedMbps`, 0, agentFactsLimits.speedMbps),
    driver: text(o.driver, `${field}.driver`, agentFactsLimits.driver),
  });
}

function record(value: unknown, field: string): Readonly<Record<string, unknown>> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new FieldError(field, 'must be an object');
  return value as Record<string, unknown>;
}

function list<T>(value: unknown, field: string, max: number, item: (value: unknown, field: string) => T): T[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) throw new FieldError(field, 'must be a list');
  if (value.length > max) throw new FieldError(field, `must have at most ${max} entries, not ${value.length}`);
  return value.map((v: unknown, i) => item(v, `${field}[${i}]`));
}

// Values are trimmed because SCSI and NVMe pad their model strings with spaces.
function text(value: unknown, field: string, max: number): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') throw new FieldError(field, `must be text, not ${describe(value)}`);
  const trimmed = value.trim();
  if (trimmed.length > max) throw new FieldError(field, `must be at most ${max} characters, not ${trimmed.length}`);
  return trimmed === '' ? undefined : trimmed;
}

function name(value: unknown, field: string, max: number): string {
  const result = text(value, field, max);
  if (result === undefined) throw new FieldError(field, 'is required');
  return result;
}

function count(value: unknown, field: string, min: number, max: number): number | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw new FieldError(field, `must be a whole number from ${min} to ${max}, not ${describe(value)}`);
  }
  return value;
}

function flag(value: unknown, field: string): boolean | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'boolean') throw new FieldError(field, `must be true or false, not ${describe(value)}`);
  return value;
}

function mac(value: unknown, field: string): string | undefined {
  const given = text(value, field, 17);
  if (given === undefined) return undefined;
  const normal = normalizeMac(given);
  if (normal === null) throw new FieldError(field, `must be a MAC address like aa:bb:cc:dd:ee:ff, not ${JSON.stringify(given)}`);
  return normal;
}

function uuid(value: unknown, field: string): string | undefined {
  const given = text(value, field, 36);
  if (given === undefined) return undefined;
  if (!UUID.test(given)) throw new FieldError(field, `must be a UUID like 01234567-89ab-cdef-0123-456789abcdef, not ${JSON.stringify(given)}`);
  return given.toLowerCase();
}

// Bad values are quoted back short: the report came from a machine, not from someone at a keyboard.
function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}...` : value);
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object' && value !== null) return 'an object';
  return String(value);
}

/** Drops the absent facts, so a stored record never holds `key: undefined`. */
function defined<T extends object>(facts: T): T {
  return Object.fromEntries(Object.entries(facts).filter(([, v]) => v !== undefined)) as T;
}
