import path from "node:path";

/** Every path IMD touches, confined under its root. */
export interface ImdLayout {
  root: string;
  configDir: string;
  configFile: string;
  runDir: string;
  pidFile: string;
  logDir: string;
  logFile: string;
  tmpDir: string;
  pluginDir: string;
  pluginConfig: string;
  pluginScript: string;
  credentialCache: string;
  missingHelper: string;
}

export function imdLayout(root: string): ImdLayout {
  const at = (...parts: string[]) => path.join(root, ...parts);
  return {
    root,
    configDir: at("etc/imd"),
    configFile: at("etc/imd/imd.conf"),
    runDir: at("run/imd"),
    pidFile: at("run/imd/imd.pid"),
    logDir: at("var/log/imd"),
    logFile: at("var/log/imd/imd.log"),
    tmpDir: at("tmp"),
    pluginDir: at("tmp/imd-plugins"),
    pluginConfig: at("tmp/imd-plugins/plugin.conf"),
    pluginScript: at("tmp/imd-plugins/refresh.sh"),
    credentialCache: at("tmp/.imd-credentials.cache"),
    missingHelper: at("usr/libexec/imd/imd-sync-helper"),
  };
}
