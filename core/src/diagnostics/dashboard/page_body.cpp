#include "diagnostics/dashboard/page_parts.hpp"

namespace tessera::detail::page {

const char* const body = R"html(
<header><h1>tessera</h1><span class="muted" id="mode"></span>
  <span class="muted" id="status"></span></header>
<div class="summary" id="summary"></div>
<pre id="errors"></pre>
<div class="grid">
  <section class="wide"><h2>Task stream</h2><canvas id="stream" width="1200" height="220"></canvas>
    <div class="legend" id="legend"></div><div class="note" id="stream-note"></div></section>
  <section><h2>Progress by task prefix</h2><div id="progress"></div></section>
  <section><h2>Tasks processing per worker</h2><div id="processing"></div></section>
  <section><h2>Worker memory</h2><div id="memory"></div></section>
  <section><h2>Data transferred between workers</h2><div id="transfers"></div></section>
  <section class="wide"><h2>Events</h2><div class="events" id="events"></div></section>
</div>
<div class="grid" id="report"></div>
)html";

}  // namespace tessera::detail::page
