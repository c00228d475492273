/**
 * The RADIUS numbers this server reads or writes, named as in the RFCs (hyphens dropped).
 * Anything not listed here still decodes: the tables name numbers, they do not limit them.
 */

/** Packet codes: RFC 2865 §3, RFC 2866 §3, RFC 5997 §2. */
export const Code = {
  AccessRequest: 1,
  AccessAccept: 2,
  AccessReject: 3,
  AccountingRequest: 4,
  AccountingResponse: 5,
  AccessChallenge: 11,
  StatusServer: 12,
} as const

/** Attribute types: RFC 2865 §5, RFC 2866 §5, RFC 2869 §5, RFC 3162 §2.1, RFC 3579 §3. */
export const Attr = {
  UserName: 1,
  UserPassword: 2,
  ChapPassword: 3,
  NasIpAddress: 4,
  NasPort: 5,
  ServiceType: 6,
  FilterId: 11,
  ReplyMessage: 18,
  State: 24,
  Class: 25,
  VendorSpecific: 26,
  SessionTimeout: 27,
  CalledStationId: 30,
  CallingStationId: 31,
  NasIdentifier: 32,
  ProxyState: 33,
  AcctStatusType: 40,
  AcctSessionId: 44,
  ChapChallenge: 60,
  NasPortType: 61,
  EapMessage: 79,
  MessageAuthenticator: 80,
  NasIpv6Address: 95,
} as const

/** Acct-Status-Type values: RFC 2866 §5.1. */
export const AcctStatusType = {
  Start: 1,
  Stop: 2,
  InterimUpdate: 3,
  AccountingOn: 7,
  AccountingOff: 8,
} as const

/** SMI network management private enterprise codes, for Vendor-Specific (RFC 2865 §5.26). */
export const Vendor = {
  Microsoft: 311,
  Fortinet: 12356,
} as const

/** Microsoft's vendor types: RFC 2548 §2. */
export const Microsoft = {
  MsChapResponse: 1,
  MsChapError: 2,
  MsMppeEncryptionPolicy: 7,
  MsMppeEncryptionTypes: 8,
  MsChapChallenge: 11,
  MsMppeSendKey: 16,
  MsMppeRecvKey: 17,
  MsChap2Response: 25,
  MsChap2Success: 26,
} as const

/** Fortinet's vendor types (FortiOS's RADIUS dictionary). */
export const Fortinet = {
  GroupName: 1,
} as const

const codeNames: ReadonlyMap<number, string> = new Map([
  [Code.AccessRequest, 'Access-Request'],
  [Code.AccessAccept, 'Access-Accept'],
  [Code.AccessReject, 'Access-Reject'],
  [Code.AccountingRequest, 'Accounting-Request'],
  [Code.AccountingResponse, 'Accounting-Response'],
  [Code.AccessChallenge, 'Access-Challenge'],
  [Code.StatusServer, 'Status-Server'],
])

/** A packet code as the RFCs write it, for a log line; a number it has no name for as the number. */
export const codeName = (code: number): string => codeNames.get(code) ?? String(code)
