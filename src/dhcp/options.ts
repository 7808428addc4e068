// DHCP option codes and message types (RFC 2132, 3004, 3046, 3396, 4578; iPXE's 175), with names for logs.

export const DhcpOption = {
  Pad: 0,
  SubnetMask: 1,
  Router: 3,
  DomainNameServer: 6,
  HostName: 12,
  DomainName: 15,
  BroadcastAddress: 28,
  VendorSpecific: 43,
  RequestedAddress: 50,
  LeaseTime: 51,
  Overload: 52,
  MessageType: 53,
  ServerIdentifier: 54,
  ParameterRequestList: 55,
  Message: 56,
  MaxMessageSize: 57,
  RenewalTime: 58,
  RebindingTime: 59,
  VendorClass: 60,
  ClientIdentifier: 61,
  TftpServerName: 66,
  BootFileName: 67,
  UserClass: 77,
  RelayAgentInformation: 82,
  ClientArch: 93,
  ClientNdi: 94,
  ClientUuid: 97,
  IpxeEncapsulated: 175,
  End: 255,
} as const;

export type DhcpOptionCode = (typeof DhcpOption)[keyof typeof DhcpOption];

const optionNames = new Map<number, string>(Object.entries(DhcpOption).map(([name, code]) => [code, name]));

export function dhcpOptionName(code: number): string {
  return optionNames.get(code) ?? `option-${code}`;
}

export const DhcpMessageType = {
  DISCOVER: 1,
  OFFER: 2,
  REQUEST: 3,
  DECLINE: 4,
  ACK: 5,
  NAK: 6,
  RELEASE: 7,
  INFORM: 8,
} as const;

export type DhcpMessageTypeName = keyof typeof DhcpMessageType;

const typeNames = new Map<number, DhcpMessageTypeName>(
  (Object.entries(DhcpMessageType) as [DhcpMessageTypeName, number][]).map(([name, code]) => [code, name]),
);

/** Null for BOOTP (no option 53) and for types we do not speak (RFC 4388 lease queries and later). */
export function dhcpMessageTypeName(code: number): DhcpMessageTypeName | null {
  return typeNames.get(code) ?? null;
}

/**
 * Lengths RFC 2132 fixes for the options we act on. A violation makes the whole packet malformed: acting on a
 * two-byte "address" would be worse than dropping the request. Options not listed are carried as opaque bytes.
 */
export const optionLengthRules: ReadonlyMap<number, { readonly min: number; readonly max?: number; readonly multipleOf?: number }> = new Map([
  [DhcpOption.SubnetMask, { min: 4, max: 4 }],
  [DhcpOption.Router, { min: 4, multipleOf: 4 }],
  [DhcpOption.DomainNameServer, { min: 4, multipleOf: 4 }],
  [DhcpOption.HostName, { min: 1 }],
  [DhcpOption.DomainName, { min: 1 }],
  [DhcpOption.RequestedAddress, { min: 4, max: 4 }],
  [DhcpOption.LeaseTime, { min: 4, max: 4 }],
  [DhcpOption.Overload, { min: 1, max: 1 }],
  [DhcpOption.MessageType, { min: 1, max: 1 }],
  [DhcpOption.ServerIdentifier, { min: 4, max: 4 }],
  [DhcpOption.ParameterRequestList, { min: 1 }],
  [DhcpOption.MaxMessageSize, { min: 2, max: 2 }],
  [DhcpOption.RenewalTime, { min: 4, max: 4 }],
  [DhcpOption.RebindingTime, { min: 4, max: 4 }],
  [DhcpOption.VendorClass, { min: 1 }],
  [DhcpOption.ClientIdentifier, { min: 2 }],
  [DhcpOption.TftpServerName, { min: 1 }],
  [DhcpOption.BootFileName, { min: 1 }],
  [DhcpOption.UserClass, { min: 1 }],
  [DhcpOption.ClientArch, { min: 2, multipleOf: 2 }],
  [DhcpOption.ClientNdi, { min: 3, max: 3 }],
  [DhcpOption.ClientUuid, { min: 1 }],
]);
