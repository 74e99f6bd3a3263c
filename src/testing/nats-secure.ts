import { execFileSync } from "node:child_process";
import { writeFileSync } from "node:fs";
import path from "node:path";
import { encodeAccount, encodeOperator, encodeUser, fmtCreds } from "@nats-io/jwt";
import { createAccount, createOperator, createUser } from "@nats-io/nkeys";

/**
 * A secured server's set-up, made for a test in `dir`: a CA and a server certificate for
 * 127.0.0.1/localhost (openssl), and decentralised auth (an operator, a system account, an account
 * with JetStream, one user's creds file). Returns the config lines and the client's files.
 */
export async function secureSetup(
  dir: string,
): Promise<{ config: string; creds: string; ca: string; seed: string }> {
  const file = (name: string) => path.join(dir, name);
  const openssl = (...args: string[]) => execFileSync("openssl", args, { stdio: "ignore" });
  openssl(
    "req",
    "-x509",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-keyout",
    file("ca.key"),
    "-out",
    file("ca.pem"),
    "-days",
    "1",
    "-subj",
    "/CN=shadow-signals test CA",
  );
  openssl(
    "req",
    "-newkey",
    "rsa:2048",
    "-nodes",
    "-keyout",
    file("server.key"),
    "-out",
    file("server.csr"),
    "-subj",
    "/CN=localhost",
  );
  writeFileSync(file("ext.cnf"), "subjectAltName=IP:127.0.0.1,DNS:localhost\n");
  openssl(
    "x509",
    "-req",
    "-in",
    file("server.csr"),
    "-CA",
    file("ca.pem"),
    "-CAkey",
    file("ca.key"),
    "-CAcreateserial",
    "-out",
    file("server.pem"),
    "-days",
    "1",
    "-extfile",
    file("ext.cnf"),
  );

  const operator = createOperator();
  const system = createAccount();
  const account = createAccount();
  const user = createUser();
  const unlimited = {
    conn: -1,
    leaf: -1,
    subs: -1,
    data: -1,
    payload: -1,
    imports: -1,
    exports: -1,
    wildcards: true,
  };
  const jetstream = { disk_storage: -1, mem_storage: -1, streams: -1, consumer: -1 };
  const operatorJwt = await encodeOperator("shadow-test", operator, {
    system_account: system.getPublicKey(),
  });
  const systemJwt = await encodeAccount("SYS", system, {}, { signer: operator });
  const accountJwt = await encodeAccount(
    "fleet",
    account,
    { limits: { ...unlimited, ...jetstream } },
    { signer: operator },
  );
  const userJwt = await encodeUser("observer", user, account);
  writeFileSync(file("user.creds"), fmtCreds(userJwt, user), { mode: 0o600 });
  const config = [
    `operator: ${operatorJwt}`,
    `system_account: ${system.getPublicKey()}`,
    "resolver: MEMORY",
    `resolver_preload: { ${system.getPublicKey()}: ${systemJwt}, ${account.getPublicKey()}: ${accountJwt} }`,
    `tls: { cert_file: "${file("server.pem")}", key_file: "${file("server.key")}" }`,
  ].join("\n");
  return {
    config,
    creds: file("user.creds"),
    ca: file("ca.pem"),
    seed: new TextDecoder().decode(user.getSeed()),
  };
}
