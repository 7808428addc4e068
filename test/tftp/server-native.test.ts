// TFTP server on loopback (RFC 1350, 2347-2349, 7440), every case of server-cases.ts with the native data pump (native/tftp_pump.c), what bramble serve uses.
import { serverCases } from './server-cases.js';

serverCases('native');
