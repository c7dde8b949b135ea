#include "diagnostics/dashboard/page_parts.hpp"

namespace tessera::detail::page {

const char* const style = R"css(
:root { --fg: #1d232a; --muted: #5d6b78; --line: #d9dee3; --bg: #f6f7f9; --panel: #fff;
        --accent: #2f6fab; --warn: #c77c02; --bad: #b3261e; }
* { box-sizing: border-box; }
body { margin: 0; font: 13px/1.4 system-ui, sans-serif; color: var(--fg); background: var(--bg); }
header { display: flex; gap: 16px; align-items: baseline; padding: 10px 16px;
         background: #22303c; color: #fff; }
header h1 { font-size: 18px; margin: 0; }
header .muted { color: #c6d0d9; }
#status.bad { color: #ffb4ab; }
.summary { display: flex; flex-wrap: wrap; gap: 8px; padding: 10px 16px 0; }
.card { background: var(--panel); border: 1px solid var(--line); border-radius: 6px;
        padding: 6px 12px; min-width: 110px; }
.card b { display: block; font-size: 18px; }
.card span { color: var(--muted); }
.grid { display: grid; grid-template-columns: repeat(auto-fit, minmax(440px, 1fr));
        gap: 12px; padding: 12px 16px; }
section { background: var(--panel); border: 1px solid var(--line); border-radius: 6px;
          padding: 8px 12px; min-width: 0; overflow-x: auto; }
section.wide { grid-column: 1 / -1; }
h2 { font-size: 14px; margin: 0 0 6px; }
canvas { width: 100%; display: block; }
table { border-collapse: collapse; width: 100%; }
th, td { text-align: left; padding: 2px 6px; border-bottom: 1px solid var(--line);
         vertical-align: middle; white-space: nowrap; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
td.wrap { white-space: normal; word-break: break-word; }
.bar { position: relative; height: 14px; background: #eef1f4; border-radius: 3px;
       overflow: hidden; min-width: 160px; }
.bar > div { position: absolute; top: 0; bottom: 0; }
.bar .mark { width: 2px; background: var(--warn); }
.bar .mark.pause { background: var(--bad); }
.legend { display: flex; flex-wrap: wrap; gap: 4px 12px; margin-top: 4px; }
.legend i { display: inline-block; width: 10px; height: 10px; margin-right: 4px;
            border-radius: 2px; vertical-align: -1px; }
.note { color: var(--muted); margin-top: 4px; }
.events { max-height: 260px; overflow: auto; }
#errors { color: var(--bad); margin: 0 16px; }
#errors:empty { display: none; }
svg text { font-size: 11px; fill: var(--muted); }
)css";

}  // namespace tessera::detail::page
