import type { BehaviorText } from "../model/finding.js";
import type { ReportModel } from "../model/report-model.js";
import type { SessionView } from "../model/session-view.js";
import { renderAttackLayer } from "./attack-layer.js";
import { renderHtml } from "./html.js";
import { renderJson } from "./json.js";
import { renderMarkdown } from "./markdown.js";
import { renderSarif } from "./sarif.js";

/** What every renderer may use: the report, the pictures' data, the behaviour catalogue. */
export interface RenderInput {
  model: ReportModel;
  view: SessionView;
  behaviors: BehaviorText[];
}

export interface Renderer {
  /** The file it writes in the session dir. */
  file: string;
  render(input: RenderInput): string;
}

/** Every output of a session, in one place: adding a format is a file and a line here. */
export const RENDERERS: readonly Renderer[] = [
  { file: "report.md", render: ({ model }) => renderMarkdown(model) },
  { file: "report.json", render: ({ model }) => renderJson(model) },
  { file: "report.html", render: ({ model, view }) => renderHtml(model, view) },
  { file: "report.sarif", render: ({ model, behaviors }) => renderSarif(model, behaviors) },
  { file: "attack-layer.json", render: ({ model }) => renderAttackLayer(model) },
];
