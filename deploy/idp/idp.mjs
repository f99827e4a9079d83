// Development/test OpenID Connect identity provider for the agents' caseworker pages.
//
// DEV/TEST ONLY. It serves plain HTTP on loopback (127.0.0.1, issuer http://localhost:PORT),
// keeps its clients, sessions and grants in memory (a restart forgets every registered client),
// has synthetic people from accounts.json and ONE shared password for all of them. It stands in
// for an agency's real identity provider (Entra ID, Keycloak, ...) in the demo and the automated
// tests; never expose it beyond this machine.
//
// Built on the certified `oidc-provider` package. deploy/services.sh starts it; by hand:
//   IDP_REGISTRATION_TOKEN=... IDP_COOKIE_KEY=... IDP_JWKS_FILE=.local/secrets/idp-jwks.json \
//   IDP_PASSWORD_FILE=.local/secrets/idp-password node deploy/idp/idp.mjs
//
// Environment:
//   IDP_PORT                 port on 127.0.0.1 (default 8790); the issuer is http://localhost:IDP_PORT
//   IDP_REGISTRATION_TOKEN   initial access token for dynamic client registration at /reg (required)
//   IDP_COOKIE_KEY           key that signs the provider's cookies (required; several: comma-separated,
//                            the first signs)
//   IDP_JWKS_FILE            file with the RS256 signing key as a private JWK set (required; created
//                            with mode 600 when missing)
//   IDP_PASSWORD_FILE        file whose first line is the password of every account (required)
//   IDP_ACCOUNTS_FILE        the people (default: accounts.json beside this file)
//
// Clients register themselves (RFC 7591) with the initial access token and an extra metadata
// property `organisation` (the agency the client is the agent of). An account's `roles` claim is
// its roles only towards a client of its own organisation, [] towards any other: like app roles
// that are assigned per app registration in Entra ID.

import {
  createHash, createPublicKey, generateKeyPairSync, timingSafeEqual,
} from 'node:crypto';
import {
  chmodSync, closeSync, openSync, readFileSync, statSync, writeSync,
} from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

import Provider, { errors } from 'oidc-provider';

const HERE = dirname(fileURLToPath(import.meta.url));

function fail(message) {
  process.stderr.write(`idp: error: ${message}\n`);
  process.exit(1);
}

function log(message) {
  process.stdout.write(`${new Date().toISOString()} ${message}\n`);
}

function requiredEnv(name, what) {
  const value = process.env[name];
  if (!value || !value.trim()) {
    fail(`environment variable ${name} is not set (${what}); deploy/services.sh sets it`);
  }
  return value.trim();
}

// ------------------------------------------------------------------ settings
const PORT = Number.parseInt(process.env.IDP_PORT || '8790', 10);
if (!Number.isInteger(PORT) || PORT < 1 || PORT > 65535) fail(`IDP_PORT is not a port: ${process.env.IDP_PORT}`);
const LISTEN_HOST = '127.0.0.1';
const ISSUER = `http://localhost:${PORT}`;

const REGISTRATION_TOKEN = requiredEnv('IDP_REGISTRATION_TOKEN', 'the initial access token for client registration');
const COOKIE_KEYS = requiredEnv('IDP_COOKIE_KEY', 'the key that signs cookies')
  .split(',').map((k) => k.trim()).filter(Boolean);
if (COOKIE_KEYS.some((k) => k.length < 16)) fail('IDP_COOKIE_KEY must be at least 16 characters');
const JWKS_FILE = requiredEnv('IDP_JWKS_FILE', 'the file that keeps the signing key');
const PASSWORD_FILE = requiredEnv('IDP_PASSWORD_FILE', 'the file with the password of every account');
const ACCOUNTS_FILE = process.env.IDP_ACCOUNTS_FILE || join(HERE, 'accounts.json');

// ------------------------------------------------------------------ accounts
const ACCOUNT_ID = /^[a-z0-9][a-z0-9._-]{0,63}$/;
const ORGANISATION_ID = /^[a-z0-9][a-z0-9-]{0,62}$/;

function loadAccounts(file) {
  let list;
  try {
    list = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    fail(`cannot read the accounts from ${file}: ${err.message}`);
  }
  if (!Array.isArray(list)) fail(`${file} must hold a JSON array of accounts`);
  const byId = new Map();
  for (const a of list) {
    const where = `${file}: account ${JSON.stringify(a?.username)}`;
    if (typeof a?.username !== 'string' || !ACCOUNT_ID.test(a.username)) fail(`${where}: username must match ${ACCOUNT_ID}`);
    if (byId.has(a.username)) fail(`${where}: listed twice`);
    if (typeof a.name !== 'string' || !a.name.trim()) fail(`${where}: name missing`);
    if (typeof a.organisation !== 'string' || !ORGANISATION_ID.test(a.organisation)) fail(`${where}: organisation must match ${ORGANISATION_ID}`);
    if (!Array.isArray(a.roles) || a.roles.some((r) => typeof r !== 'string' || !r)) fail(`${where}: roles must be an array of names`);
    if ('password' in a) fail(`${where}: accounts.json must not hold passwords (see IDP_PASSWORD_FILE)`);
    byId.set(a.username, Object.freeze({
      username: a.username, name: a.name, organisation: a.organisation, roles: Object.freeze([...a.roles]),
    }));
  }
  return byId;
}

const ACCOUNTS = loadAccounts(ACCOUNTS_FILE);

function loadPasswordDigest(file) {
  let password;
  try {
    password = readFileSync(file, 'utf8').split(/\r?\n/, 1)[0];
  } catch (err) {
    fail(`cannot read the password file ${file}: ${err.message}`);
  }
  if (!password) fail(`the password file ${file} is empty`);
  return createHash('sha256').update(password, 'utf8').digest();
}

const PASSWORD_DIGEST = loadPasswordDigest(PASSWORD_FILE);

function passwordMatches(given) {
  const digest = createHash('sha256').update(String(given), 'utf8').digest();
  return timingSafeEqual(digest, PASSWORD_DIGEST);
}

// -------------------------------------------------------------- signing key
function loadOrCreateJwks(file) {
  let text;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    if (err.code !== 'ENOENT') fail(`cannot read ${file}: ${err.message}`);
  }
  if (text === undefined) {
    const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
    const jwk = privateKey.export({ format: 'jwk' });
    // kid: the RFC 7638 thumbprint of the public key.
    const thumbprint = createHash('sha256')
      .update(JSON.stringify({ e: jwk.e, kty: jwk.kty, n: jwk.n }))
      .digest('base64url');
    const jwks = { keys: [{ ...jwk, kid: thumbprint, alg: 'RS256', use: 'sig' }] };
    let fd;
    try {
      fd = openSync(file, 'wx', 0o600); // fails if another process created it meanwhile
      writeSync(fd, `${JSON.stringify(jwks, null, 2)}\n`);
    } catch (err) {
      if (err.code === 'EEXIST') return loadOrCreateJwks(file);
      fail(`cannot create ${file}: ${err.message}`);
    } finally {
      if (fd !== undefined) closeSync(fd);
    }
    log(`idp: generated a new RS256 signing key (kid ${thumbprint}) in ${file}`);
    return jwks;
  }
  if ((statSync(file).mode & 0o077) !== 0) {
    try { chmodSync(file, 0o600); } catch { fail(`${file} is readable by others; chmod 600 it`); }
  }
  let jwks;
  try {
    jwks = JSON.parse(text);
  } catch (err) {
    fail(`${file} is not JSON (${err.message}); delete it to generate a new key`);
  }
  if (!Array.isArray(jwks?.keys) || !jwks.keys.length) fail(`${file} holds no keys; delete it to generate a new key`);
  for (const k of jwks.keys) {
    if (k.kty !== 'RSA' || !k.d || !k.kid) fail(`${file}: every key must be a private RSA JWK with a kid`);
    createPublicKey({ key: k, format: 'jwk' }); // throws on a broken key
  }
  return jwks;
}

const JWKS = loadOrCreateJwks(JWKS_FILE);

// ----------------------------------------------------------------- storage
// An in-memory adapter without a size limit. oidc-provider's own memory adapter is an LRU of
// about 1000-2000 entries: in a long test run it silently forgets registered clients that were
// not used for a while. This one forgets only what has expired (and everything on restart).
const store = new Map(); // key -> { value, expiresAt (ms) | undefined }
const grantIndex = new Map(); // grantId -> Set of keys
const GRANTABLE = new Set([
  'AccessToken', 'AuthorizationCode', 'RefreshToken', 'DeviceCode',
  'BackchannelAuthenticationRequest', 'PreAuthorizedCode',
]);

function storeGet(key) {
  const entry = store.get(key);
  if (!entry) return undefined;
  if (entry.expiresAt !== undefined && entry.expiresAt <= Date.now()) {
    store.delete(key);
    return undefined;
  }
  return entry.value;
}

setInterval(() => {
  const now = Date.now();
  for (const [key, entry] of store) {
    if (entry.expiresAt !== undefined && entry.expiresAt <= now) store.delete(key);
  }
  for (const [grantId, keys] of grantIndex) {
    for (const key of keys) if (!store.has(key)) keys.delete(key);
    if (!keys.size) grantIndex.delete(grantId);
  }
}, 60_000).unref();

class DevMemoryAdapter {
  constructor(model) {
    this.model = model;
  }

  key(id) {
    return `${this.model}:${id}`;
  }

  async upsert(id, payload, expiresIn) {
    const key = this.key(id);
    const expiresAt = typeof expiresIn === 'number' ? Date.now() + expiresIn * 1000 : undefined;
    store.set(key, { value: structuredClone(payload), expiresAt });
    if (this.model === 'Session' && payload.uid) {
      store.set(`sessionUid:${payload.uid}`, { value: id, expiresAt });
    }
    if (payload.userCode) {
      store.set(`userCode:${payload.userCode}`, { value: id, expiresAt });
    }
    if (GRANTABLE.has(this.model) && payload.grantId) {
      if (!grantIndex.has(payload.grantId)) grantIndex.set(payload.grantId, new Set());
      grantIndex.get(payload.grantId).add(key);
    }
  }

  async find(id) {
    const value = storeGet(this.key(id));
    return value === undefined ? undefined : structuredClone(value);
  }

  async findByUid(uid) {
    const id = storeGet(`sessionUid:${uid}`);
    return id === undefined ? undefined : this.find(id);
  }

  async findByUserCode(userCode) {
    const id = storeGet(`userCode:${userCode}`);
    return id === undefined ? undefined : this.find(id);
  }

  async consume(id) {
    const entry = store.get(this.key(id));
    if (entry) entry.value.consumed = Math.floor(Date.now() / 1000);
  }

  async destroy(id) {
    store.delete(this.key(id));
  }

  async revokeByGrantId(grantId) {
    const keys = grantIndex.get(grantId);
    if (!keys) return;
    for (const key of keys) store.delete(key);
    grantIndex.delete(grantId);
  }
}

// -------------------------------------------------------------------- HTML
function esc(value) {
  return String(value ?? '')
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

const STYLE = `
body{font-family:system-ui,sans-serif;margin:0;background:#f4f5f7;color:#1b1f24;line-height:1.5}
main{max-width:26rem;margin:3rem auto;padding:1.5rem 2rem;background:#fff;border:1px solid #c9ced6;border-radius:6px}
h1{font-size:1.6rem;margin:0 0 .5rem}
label{display:block;font-weight:600;margin-top:1rem}
input{box-sizing:border-box;width:100%;font-size:1rem;padding:.5rem;border:1px solid #6b7380;border-radius:4px}
input:focus,button:focus{outline:3px solid #1a5fb4;outline-offset:2px}
button{margin-top:1.5rem;font-size:1rem;padding:.6rem 1.2rem;border:0;border-radius:4px;background:#1a5fb4;color:#fff;cursor:pointer}
.alert{color:#a51d2d;font-weight:600;border-left:4px solid #a51d2d;padding-left:.5rem}
.note{color:#4a515c;font-size:.9rem}
`;

// Every page is self-contained: no script, no external resource.
function page(ctx, status, title, body) {
  ctx.status = status;
  ctx.type = 'html';
  ctx.set('Cache-Control', 'no-store');
  ctx.set('Content-Security-Policy', "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'; base-uri 'none'");
  ctx.set('X-Frame-Options', 'DENY');
  ctx.set('Referrer-Policy', 'no-referrer');
  ctx.set('X-Content-Type-Options', 'nosniff');
  ctx.body = `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)} - development identity provider</title>
<style>${STYLE}</style>
</head>
<body>
<main>
${body}
</main>
</body>
</html>
`;
}

function loginPage(ctx, { uid, client, login = '', error, status = 200 }) {
  const organisation = client?.organisation || '(no organisation registered)';
  const errorId = 'sign-in-error';
  const described = error ? ` aria-describedby="${errorId}"` : '';
  page(ctx, status, 'Sign in', `<h1>Sign in</h1>
<p>to the caseworker page of <strong id="organisation">${esc(organisation)}</strong></p>
${error ? `<p id="${errorId}" class="alert" role="alert">${esc(error)}</p>` : ''}
<form method="post" action="/interaction/${esc(uid)}/login" novalidate>
<label for="login">User name</label>
<input id="login" name="login" type="text" autocomplete="username" autocapitalize="none" spellcheck="false" required value="${esc(login)}"${described}${login ? '' : ' autofocus'}>
<label for="password">Password</label>
<input id="password" name="password" type="password" autocomplete="current-password" required${described}${login ? ' autofocus' : ''}>
<button type="submit" id="sign-in">Sign in</button>
</form>
<p class="note">Development identity provider with synthetic people only.</p>`);
}

function messagePage(ctx, status, title, text) {
  page(ctx, status, title, `<h1>${esc(title)}</h1>\n<p>${esc(text)}</p>`);
}

// --------------------------------------------------------------- provider
const configuration = {
  adapter: DevMemoryAdapter,
  jwks: JWKS,
  cookies: { keys: COOKIE_KEYS },
  clients: [],
  findAccount: async (ctx, id) => {
    const account = ACCOUNTS.get(id);
    if (!account) return undefined;
    return {
      accountId: account.username,
      async claims(_use, _scope, _claims, _rejected) {
        // The client that asks: the one at the authorization/token/userinfo endpoint.
        const client = ctx?.oidc?.client;
        const sameOrganisation = client?.organisation !== undefined
          && client.organisation === account.organisation;
        return {
          sub: account.username,
          name: account.name,
          preferred_username: account.username,
          roles: sameOrganisation ? [...account.roles] : [],
        };
      },
    };
  },
  scopes: ['openid', 'profile', 'roles'],
  claims: {
    openid: ['sub'],
    profile: ['name', 'preferred_username'],
    roles: ['roles'],
  },
  // The ID token itself carries the claims of the granted scopes (not only the userinfo endpoint).
  conformIdTokenClaims: false,
  responseTypes: ['code'],
  pkce: { required: () => true }, // S256 is the only method oidc-provider 9 knows
  // Confidential clients only (the agents keep a client secret).
  clientAuthMethods: ['client_secret_basic', 'client_secret_post'],
  clientDefaults: {
    grant_types: ['authorization_code'],
    response_types: ['code'],
    token_endpoint_auth_method: 'client_secret_basic',
    id_token_signed_response_alg: 'RS256',
  },
  extraClientMetadata: {
    properties: ['organisation'],
    validator(_ctx, key, value) {
      if (key === 'organisation' && (typeof value !== 'string' || !ORGANISATION_ID.test(value))) {
        throw new errors.InvalidClientMetadata(`organisation is required and must match ${ORGANISATION_ID}`);
      }
    },
  },
  features: {
    devInteractions: { enabled: false },
    registration: {
      enabled: true,
      initialAccessToken: REGISTRATION_TOKEN,
    },
    rpInitiatedLogout: {
      enabled: true,
      async logoutSource(ctx, form) {
        // `form` is the provider's hidden form (id op.logoutForm, with its xsrf token).
        page(ctx, 200, 'Sign out', `<h1>Sign out</h1>
<p>Sign out of the development identity provider${ctx.oidc.client?.organisation ? ` and the caseworker page of <strong>${esc(ctx.oidc.client.organisation)}</strong>` : ''}?</p>
${form}
<button type="submit" form="op.logoutForm" name="logout" value="yes" id="sign-out" autofocus>Sign out</button>`);
      },
      async postLogoutSuccessSource(ctx) {
        messagePage(ctx, 200, 'Signed out', 'You are signed out. You can close this page.');
      },
    },
    resourceIndicators: { enabled: false },
    userinfo: { enabled: true },
  },
  clientBasedCORS: () => false,
  ttl: {
    AccessToken: 10 * 60,
    AuthorizationCode: 60,
    IdToken: 10 * 60,
    Interaction: 30 * 60,
    Session: 8 * 60 * 60,
    Grant: 8 * 60 * 60,
  },
  async renderError(ctx, out, _error) {
    const description = out.error_description || out.error || 'error';
    page(ctx, ctx.status && ctx.status >= 400 ? ctx.status : 400, 'Sign-in error', `<h1>Sign-in error</h1>
<p role="alert">${esc(description)}</p>
<p class="note">Error code: <code>${esc(out.error)}</code></p>`);
  },
};

const provider = new Provider(ISSUER, configuration);

provider.on('server_error', (_ctx, err) => {
  log(`idp: server error: ${err?.stack || err}`);
});

// ------------------------------------------------------------ interactions
const MAX_FORM_BYTES = 8 * 1024;

async function readForm(req) {
  const type = String(req.headers['content-type'] || '').split(';')[0].trim().toLowerCase();
  if (type !== 'application/x-www-form-urlencoded') {
    const err = new Error('expected an application/x-www-form-urlencoded body');
    err.status = 415;
    throw err;
  }
  const chunks = [];
  let size = 0;
  for await (const chunk of req) {
    size += chunk.length;
    if (size > MAX_FORM_BYTES) {
      const err = new Error('form too large');
      err.status = 413;
      throw err;
    }
    chunks.push(chunk);
  }
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

async function autoConsent(ctx, details) {
  // First-party clients: the agency's own agent. Grant what it asks without a consent page.
  const { prompt: { details: missing = {} }, params, session } = details;
  const grant = details.grantId
    ? await provider.Grant.find(details.grantId)
    : new provider.Grant({ accountId: session.accountId, clientId: params.client_id });
  grant.addOIDCScope('openid profile roles');
  if (missing.missingOIDCClaims?.length) grant.addOIDCClaims(missing.missingOIDCClaims);
  const grantId = await grant.save();
  ctx.respond = false;
  await provider.interactionFinished(ctx.req, ctx.res, { consent: { grantId } }, { mergeWithLastSubmission: true });
}

const INTERACTION_PATH = /^\/interaction\/([A-Za-z0-9_-]{1,64})(\/login)?$/;

provider.use(async (ctx, next) => {
  const match = INTERACTION_PATH.exec(ctx.path);
  if (!match) return next();
  const [, uid, loginPath] = match;
  try {
    const details = await provider.interactionDetails(ctx.req, ctx.res);
    if (details.uid !== uid) throw new errors.SessionNotFound('interaction uid does not match its cookie');
    const client = await provider.Client.find(details.params.client_id);
    const promptName = details.prompt.name;

    if (!loginPath && ctx.method === 'GET') {
      if (promptName === 'login') {
        return loginPage(ctx, { uid, client, login: details.params.login_hint || '' });
      }
      if (promptName === 'consent') return await autoConsent(ctx, details);
      return messagePage(ctx, 400, 'Sign-in error', `Unsupported prompt: ${promptName}`);
    }

    if (loginPath && ctx.method === 'POST') {
      if (promptName !== 'login') {
        return messagePage(ctx, 400, 'Sign-in error', 'This sign-in request no longer expects a password. Go back to the application and start again.');
      }
      const form = await readForm(ctx.req);
      const login = (form.get('login') || '').trim();
      const password = form.get('password') || '';
      const account = ACCOUNTS.get(login);
      // Always compare, known user or not, so the timing does not tell which user names exist.
      const passwordOk = passwordMatches(password);
      if (!account || !passwordOk) {
        // Unknown names are not logged verbatim: people type passwords into the wrong field.
        log(`sign-in account=${account ? account.username : '(unknown)'} outcome=failure`);
        return loginPage(ctx, {
          uid, client, login: account ? login : '', error: 'Wrong user name or password', status: 401,
        });
      }
      log(`sign-in account=${account.username} outcome=success`);
      ctx.respond = false;
      return await provider.interactionFinished(
        ctx.req,
        ctx.res,
        { login: { accountId: account.username } },
        { mergeWithLastSubmission: false },
      );
    }

    ctx.set('Allow', loginPath ? 'POST' : 'GET');
    return messagePage(ctx, 405, 'Method not allowed', 'This address does not take that method.');
  } catch (err) {
    ctx.respond = true;
    if (err instanceof errors.SessionNotFound) {
      return messagePage(ctx, 400, 'Sign-in expired', 'This sign-in request has expired or was already used. Go back to the application and sign in again.');
    }
    if (err.status === 413 || err.status === 415) {
      return messagePage(ctx, err.status, 'Bad request', err.message);
    }
    log(`idp: interaction error: ${err?.stack || err}`);
    return messagePage(ctx, 500, 'Sign-in error', 'Something went wrong. Go back to the application and try again.');
  }
});

// ------------------------------------------------------------------ server
const server = provider.listen(PORT, LISTEN_HOST, () => {
  log(`idp: listening on http://${LISTEN_HOST}:${PORT}, issuer ${ISSUER}, ${ACCOUNTS.size} accounts`);
});
server.on('error', (err) => fail(`cannot listen on ${LISTEN_HOST}:${PORT}: ${err.message}`));

let stopping = false;
function shutdown(signal) {
  if (stopping) return;
  stopping = true;
  log(`idp: ${signal} received, stopping`);
  server.close(() => process.exit(0));
  server.closeIdleConnections();
  setTimeout(() => {
    server.closeAllConnections();
    process.exit(0);
  }, 3000).unref();
}
process.on('SIGTERM', () => shutdown('SIGTERM'));
process.on('SIGINT', () => shutdown('SIGINT'));
