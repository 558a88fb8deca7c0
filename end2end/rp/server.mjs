// A small relying party for the end-to-end suite: an app that signs people in through Roster
// with `openid-client` (a certified OpenID Connect client nobody here wrote) and nothing
// Roster-specific. Started by tests/oidc.spec.ts with:
//   node rp/server.mjs PORT ISSUER CLIENT_ID CLIENT_SECRET
// Routes: /login (to Roster with PKCE, state and nonce), /callback (code exchange, ID token
// checks, userinfo, refresh, revocation), /logout (RP-initiated logout), /signed-out.
import http from "node:http";
import * as client from "openid-client";

const [port, issuer, clientId, clientSecret] = process.argv.slice(2);
const base = `http://127.0.0.1:${port}`;
const config = await client.discovery(new URL(issuer), clientId, clientSecret, undefined, {
  execute: [client.allowInsecureRequests],
});

let pending = null; // one sign-in at a time is all a test needs
let idToken = null;

function page(res, status, title, body) {
  res.writeHead(status, { "Content-Type": "text/html; charset=utf-8" });
  res.end(`<!doctype html><html lang="en"><title>${title}</title><h1>${title}</h1>${body}</html>`);
}

const escape = (s) => String(s).replace(/[&<>"]/g, (c) => `&#${c.charCodeAt(0)};`);

http
  .createServer(async (req, res) => {
    const url = new URL(req.url, base);
    try {
      if (url.pathname === "/login") {
        const verifier = client.randomPKCECodeVerifier();
        pending = {
          verifier,
          state: client.randomState(),
          nonce: client.randomNonce(),
        };
        const target = client.buildAuthorizationUrl(config, {
          redirect_uri: `${base}/callback`,
          scope: "openid profile email offline_access",
          code_challenge: await client.calculatePKCECodeChallenge(verifier),
          code_challenge_method: "S256",
          state: pending.state,
          nonce: pending.nonce,
        });
        res.writeHead(302, { Location: target.href });
        res.end();
      } else if (url.pathname === "/callback") {
        if (url.searchParams.get("error")) {
          return page(res, 200, "Sign-in refused", `<p id="error">${escape(url.searchParams.get("error"))}</p>`);
        }
        const tokens = await client.authorizationCodeGrant(config, url, {
          pkceCodeVerifier: pending.verifier,
          expectedState: pending.state,
          expectedNonce: pending.nonce,
          idTokenExpected: true,
        });
        const claims = tokens.claims();
        idToken = tokens.id_token;
        const info = await client.fetchUserInfo(config, tokens.access_token, claims.sub);
        const refreshed = await client.refreshTokenGrant(config, tokens.refresh_token);
        await client.tokenRevocation(config, refreshed.refresh_token);
        let afterRevocation = "refused";
        try {
          await client.refreshTokenGrant(config, refreshed.refresh_token);
          afterRevocation = "accepted";
        } catch {
          // invalid_grant: revoked, as it should be
        }
        page(
          res,
          200,
          "Signed in",
          `<p id="who">Signed in as ${escape(info.email)} (${escape(info.name)})</p>
           <p id="sub">sub matches: ${info.sub === claims.sub}</p>
           <p id="refresh">refresh: ${refreshed.access_token ? "ok" : "missing"}</p>
           <p id="revocation">after revocation: ${afterRevocation}</p>
           <p><a href="/logout">Sign out everywhere</a></p>`,
        );
      } else if (url.pathname === "/logout") {
        const target = client.buildEndSessionUrl(config, {
          id_token_hint: idToken,
          post_logout_redirect_uri: `${base}/signed-out`,
          state: "bye",
        });
        res.writeHead(302, { Location: target.href });
        res.end();
      } else if (url.pathname === "/signed-out") {
        page(res, 200, "Signed out", `<p id="state">state ${escape(url.searchParams.get("state"))}</p>`);
      } else {
        page(res, 404, "Not found", "");
      }
    } catch (error) {
      page(res, 500, "Relying party error", `<pre id="error">${escape(error.stack || error)}</pre>`);
    }
  })
  .listen(Number(port), "127.0.0.1", () => console.log(`rp listening on ${base}`));
