/** What a session observed. `root` is IMD-style confinement: paths under it are judged as if at `/`. */
export interface TargetInfo {
  kind: "command" | "pid" | "import" | "lab";
  label: string;
  argv?: string[];
  pid?: number;
  root?: string;
  input?: string;
}
