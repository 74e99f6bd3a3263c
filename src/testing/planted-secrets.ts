import fc from "fast-check";

/**
 * Command lines that carry a planted `key=value` secret in every quoting form a shell or an
 * interpreter accepts: the generator behind the redaction fuzz properties (unit and import).
 */
export interface PlantedSecret {
  argv: string[];
  /** The secret value: it must not survive redaction anywhere. */
  value: string;
}

const KEYS = [
  "password",
  "passwd",
  "DB_PASSWORD",
  "db_pass",
  "api_token",
  "API_KEY",
  "apikey",
  "secret",
  "CLIENT_SECRET",
  "GITHUB_TOKEN",
  "token",
  "auth-token",
];

/** A distinctive prefix, so that the value is never found by chance in a fingerprint or a path. */
const value = fc.stringMatching(/^[A-Za-z0-9_.+/-]{8,24}$/).map((v) => `FAKE${v}`);
const key = fc.constantFrom(...KEYS);

/** `K=V` as a shell word in one of its quotings. */
const shellWord = (k: string, v: string) =>
  fc.constantFrom(
    `${k}=${v}`,
    `"${k}=${v}"`,
    `'${k}=${v}'`,
    `$'${k}=${v}'`,
    `${k}="${v}"`,
    `${k}='${v}'`,
    `${k}=$'${v}'`,
    `\\"${k}=${v}\\"`,
    `"${k}"="${v}"`,
  );

/** A shell command around the word: echo into a temp file, a here-string, export, a prefix assignment. */
const shellString = (k: string, v: string) =>
  fc
    .tuple(
      shellWord(k, v),
      fc.constantFrom(
        (w: string) => `echo ${w} > /tmp/x`,
        (w: string) => `cat <<< ${w} > /tmp/x`,
        (w: string) => `printf '%s\\n' ${w} >> /tmp/x`,
        (w: string) => `export ${w}; run-job`,
        (w: string) => `${w} run-job --now`,
        (w: string) => `if true; then echo ${w}; fi`,
        (w: string) => `(echo ${w})|tee /tmp/x`,
      ),
    )
    .map(([w, wrap]) => wrap(w));

/** Interpreters' -c / -e strings. */
const codeString = (k: string, v: string) =>
  fc.constantFrom(
    `import os; os.environ["${k}"]="${v}"; os.system("run")`,
    `${k} = "${v}"; print(1)`,
    `d = {"${k}": "${v}", "x": 1}`,
    `$ENV{${k}}="${v}"; system("run")`,
    `my $${k} = '${v}';`,
    `process.env.${k.replace(/-/g, "_")}='${v}'`,
    `const cfg = { ${k.replace(/-/g, "_")}: "${v}" }`,
  );

const shells = fc.constantFrom("sh", "/bin/bash", "dash");
const interpreters = fc.constantFrom(["python3", "-c"], ["perl", "-e"], ["node", "-e"]);

/** One command line with one planted secret. */
export const plantedSecret: fc.Arbitrary<PlantedSecret> = fc
  .tuple(key, value, fc.nat(3))
  .chain(([k, v, form]) => {
    if (form === 0)
      return fc.tuple(shells, shellString(k, v)).map(([sh, s]) => ({ argv: [sh, "-c", s], value: v }));
    if (form === 1)
      return fc
        .tuple(interpreters, codeString(k, v))
        .map(([[prog, flag], s]) => ({ argv: [prog!, flag!, s], value: v }));
    if (form === 2)
      return fc.constantFrom(
        { argv: ["env", `${k}=${v}`, "run-job"], value: v },
        { argv: ["sudo", "-E", "env", `${k}=${v}`, "/usr/bin/job"], value: v },
      );
    return fc
      .constantFrom("--password", "--token", "--api-key", "--secret")
      .map((opt) => ({ argv: ["sh", "-c", `tool ${opt} ${v} --verbose`], value: v }));
  });
