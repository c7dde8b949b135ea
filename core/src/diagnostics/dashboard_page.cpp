#include "diagnostics/dashboard_page.hpp"

#include "diagnostics/dashboard/page_parts.hpp"
#include "diagnostics/dashboard_json.hpp"

namespace tessera::detail {

std::string dashboard_page(const std::string& title, const std::string& data) {
  std::string html = "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>";
  for (char c : title) {
    if (c == '<') {
      html += "&lt;";
    } else if (c == '&') {
      html += "&amp;";
    } else {
      html += c;
    }
  }
  html += "</title>\n<style>";
  html += page::style;
  html += "</style></head>\n<body>";
  html += page::body;
  html += "<script>window.TESSERA_DATA = ";
  html += for_script(data);
  html += ";</script>\n<script>";
  html += page::script;
  html += "</script>\n</body></html>\n";
  return html;
}

}  // namespace tessera::detail
