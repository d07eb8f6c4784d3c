// The monitoring dashboard (/dashboard/monitoring): one self-contained HTML
// page (inline CSS and JavaScript, no external assets, so it works on a
// machine without internet) that polls /api/dashboard with the admin token
// and draws the key metrics' charts, the supervision tree, agents,
// exchanges, the vault and alerts. The token comes from the page's form,
// or from the URL fragment (#token=...), which browsers never send to a
// server.
#pragma once

#include <string>

namespace tfarm::net {

const std::string& dashboard_html();

} // namespace tfarm::net
