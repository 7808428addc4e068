// The target's side of an iSCSI login (RFC 7143 §6.3 login phase, §11.12-11.13 status, §12.1.3 CHAP): which
// stage, which keys to answer, whether to move on, and why a login fails. No sockets; the random bytes of CHAP
// challenges and the lookup of targets come from the caller.
import { CHALLENGE_BYTES, CHAP_MD5, checkInitiatorChallenge, chapResponse, decodeBinary, encodeBinary, responseMatches, type ChapCredentials } from './chap.js';
import { DEFAULT_PARAMS, negotiateOperational, targetDeclarations, type SessionParams } from './operational-keys.js';
import { Stage } from './pdu.js';
import type { TextKeys } from './text-keys.js';

/** Login status class and detail as one number, class << 8 | detail (RFC 7143 §11.13.5). */
export const LoginStatus = {
  success: 0x0000,
  initiatorError: 0x0200,
  authenticationFailure: 0x0201,
  authorizationFailure: 0x0202,
  notFound: 0x0203,
  unsupportedVersion: 0x0205,
  tooManyConnections: 0x0206,
  missingParameter: 0x0207,
  cantIncludeInSession: 0x0208,
  sessionTypeNotSupported: 0x0209,
  sessionDoesNotExist: 0x020a,
  invalidDuringLogin: 0x020b,
  targetError: 0x0300,
} as const;

/** CHAP a login must pass: the initiator's credentials, and the target's own when the initiator asks (mutual). */
export interface ChapPolicy {
  readonly initiator: ChapCredentials;
  readonly target?: ChapCredentials;
}

export type TargetLookup<T> = { readonly ok: true; readonly target: T; readonly chap: ChapPolicy | null } | { readonly ok: false; readonly reason: 'NOT_FOUND' | 'NOT_ALLOWED' };

export interface LoginEnv<T> {
  /** The target a normal session names, if this initiator (by name and address) may use it. */
  findTarget(targetName: string, initiatorName: string): TargetLookup<T>;
  /** CHAP for discovery sessions; null lets any initiator list what it may see. */
  readonly discoveryChap: ChapPolicy | null;
  readonly portalGroupTag: number;
  random(bytes: number): Buffer;
}

export interface LoginRequestView {
  readonly transit: boolean;
  readonly csg: number;
  readonly nsg: number;
  readonly versionMin: number;
  readonly versionMax: number;
}

export interface LoggedIn<T> {
  readonly params: SessionParams;
  readonly initiatorName: string;
  readonly sessionType: 'Normal' | 'Discovery';
  /** The target of a normal session; null for discovery. */
  readonly target: T | null;
  /** How the two sides proved themselves: 'mutual CHAP' when the initiator checked the target too. */
  readonly auth: 'none' | 'CHAP' | 'mutual CHAP';
}

export interface LoginAnswer<T> {
  readonly status: number;
  readonly transit: boolean;
  readonly csg: number;
  readonly nsg: number;
  readonly keys: TextKeys;
  /** Present on the answer that ends the login in full feature phase. */
  readonly done?: LoggedIn<T>;
}

type Auth =
  | { readonly state: 'none' }
  | { readonly state: 'offer' }
  | { readonly state: 'algorithm' }
  | { readonly state: 'response'; readonly id: number; readonly challenge: Buffer }
  | { readonly state: 'done'; readonly mutual: boolean };

export class LoginNegotiator<T> {
  #stage: number = Stage.security;
  #first = true;
  #initiatorName = '';
  #sessionType: 'Normal' | 'Discovery' = 'Normal';
  #target: T | null = null;
  #chap: ChapPolicy | null = null;
  #auth: Auth = { state: 'none' };
  #params: SessionParams = DEFAULT_PARAMS;
  #declared = false;

  constructor(private readonly env: LoginEnv<T>) {}

  /** The answer to one login request whose keys (all its PDUs' data, joined) are `keys`. */
  step(req: LoginRequestView, keys: TextKeys): LoginAnswer<T> {
    const fail = (status: number): LoginAnswer<T> => ({ status, transit: false, csg: req.csg, nsg: 0, keys: [] });
    const get = (k: string): string | undefined => keys.find(([key]) => key === k)?.[1];
    const answers: Array<readonly [string, string]> = [];

    if (this.#first) {
      if (req.versionMin > 0) return fail(LoginStatus.unsupportedVersion);
      const initiator = get('InitiatorName');
      if (initiator === undefined || initiator.length === 0) return fail(LoginStatus.missingParameter);
      this.#initiatorName = initiator;
      const type = get('SessionType') ?? 'Normal';
      if (type !== 'Normal' && type !== 'Discovery') return fail(LoginStatus.sessionTypeNotSupported);
      this.#sessionType = type;
      if (type === 'Normal') {
        const name = get('TargetName');
        if (name === undefined || name.length === 0) return fail(LoginStatus.missingParameter);
        const found = this.env.findTarget(name, initiator);
        if (!found.ok) return fail(found.reason === 'NOT_FOUND' ? LoginStatus.notFound : LoginStatus.authorizationFailure);
        this.#target = found.target;
        this.#chap = found.chap;
        answers.push(['TargetPortalGroupTag', String(this.env.portalGroupTag)]);
      } else {
        this.#chap = this.env.discoveryChap;
      }
      this.#auth = this.#chap === null ? { state: 'none' } : { state: 'offer' };
      // An initiator that skips the security stage gets in only where nothing asks for authentication.
      if (req.csg !== Stage.security && this.#chap !== null) return fail(LoginStatus.authenticationFailure);
      this.#stage = req.csg === Stage.security ? Stage.security : Stage.operational;
      this.#first = false;
    }
    if (req.csg !== this.#stage) return fail(LoginStatus.invalidDuringLogin);

    if (this.#stage === Stage.security) {
      const auth = this.#security(get, answers);
      if (auth !== null) return fail(auth);
    } else if (keys.some(([k]) => k === 'AuthMethod' || k.startsWith('CHAP_'))) {
      return fail(LoginStatus.invalidDuringLogin);
    }

    const negotiated = negotiateOperational(keys, this.#params);
    this.#params = negotiated.params;
    answers.push(...negotiated.answers);
    if (negotiated.answers.some(([k, v]) => k === 'MaxRecvDataSegmentLength' && v !== 'Reject')) this.#declared = true;

    const authDone = this.#auth.state === 'none' || this.#auth.state === 'done';
    const moving = req.transit && authDone && (this.#stage === Stage.security ? req.nsg === Stage.operational || req.nsg === Stage.fullFeature : req.nsg === Stage.fullFeature);
    if (req.transit && !moving && authDone) return fail(LoginStatus.invalidDuringLogin);
    if (moving && req.nsg === Stage.fullFeature && !this.#declared) {
      answers.push(...targetDeclarations(keys));
      this.#declared = true;
    }
    const answer = { status: LoginStatus.success, transit: moving, csg: req.csg, nsg: moving ? req.nsg : 0, keys: answers };
    if (!moving) return answer;
    this.#stage = req.nsg;
    if (req.nsg !== Stage.fullFeature) return answer;
    const auth = this.#auth.state === 'done' ? (this.#auth.mutual ? 'mutual CHAP' : 'CHAP') : 'none';
    return { ...answer, done: { params: this.#params, initiatorName: this.#initiatorName, sessionType: this.#sessionType, target: this.#target, auth } };
  }

  /** Security stage keys: null to go on, or the failure status. */
  #security(get: (k: string) => string | undefined, answers: Array<readonly [string, string]>): number | null {
    const auth = this.#auth;
    const chap = this.#chap;
    switch (auth.state) {
      case 'none': {
        const offered = get('AuthMethod');
        if (offered === undefined) return null;
        if (!offered.split(',').includes('None')) return LoginStatus.authenticationFailure;
        answers.push(['AuthMethod', 'None']);
        return null;
      }
      case 'offer': {
        const offered = get('AuthMethod');
        if (offered === undefined || !offered.split(',').includes('CHAP')) return LoginStatus.authenticationFailure;
        answers.push(['AuthMethod', 'CHAP']);
        this.#auth = { state: 'algorithm' };
        return null;
      }
      case 'algorithm': {
        const algorithms = get('CHAP_A');
        if (algorithms === undefined || !algorithms.split(',').includes(String(CHAP_MD5))) return LoginStatus.authenticationFailure;
        const id = this.env.random(1)[0]!;
        const challenge = this.env.random(CHALLENGE_BYTES);
        answers.push(['CHAP_A', String(CHAP_MD5)], ['CHAP_I', String(id)], ['CHAP_C', encodeBinary(challenge)]);
        this.#auth = { state: 'response', id, challenge };
        return null;
      }
      case 'response': {
        const name = get('CHAP_N');
        const response = decodeBinary(get('CHAP_R') ?? '');
        if (chap === null || name !== chap.initiator.user || response === null) return LoginStatus.authenticationFailure;
        if (!responseMatches(auth.id, chap.initiator.secret, auth.challenge, response)) return LoginStatus.authenticationFailure;
        const theirId = get('CHAP_I');
        const theirChallenge = get('CHAP_C');
        const mutual = theirId !== undefined || theirChallenge !== undefined;
        if (mutual) {
          // Mutual CHAP: the initiator checks us in turn, with the target's own secret.
          if (theirId === undefined || theirChallenge === undefined || chap.target === undefined) return LoginStatus.authenticationFailure;
          const checked = checkInitiatorChallenge(theirId, theirChallenge, auth.challenge);
          if (!checked.ok) return LoginStatus.authenticationFailure;
          answers.push(['CHAP_N', chap.target.user], ['CHAP_R', encodeBinary(chapResponse(checked.id, chap.target.secret, checked.challenge))]);
        }
        this.#auth = { state: 'done', mutual };
        return null;
      }
      case 'done':
        return null;
    }
  }
}
