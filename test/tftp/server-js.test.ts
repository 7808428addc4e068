// TFTP server on loopback (RFC 1350, 2347-2349, 7440), every case of server-cases.ts with the data pump on Node's sockets (js-pump.ts), used when the addon is not built or a file has no descriptor.
import { serverCases } from './server-cases.js';

serverCases('js');
