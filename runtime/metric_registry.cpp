#include "runtime/metric_registry.hpp"

#include <sstream>

namespace tfarm::runtime {

namespace {

// Label values escape backslashes, quotes and newlines; HELP text only
// backslashes and newlines.
std::string escape(const std::string& x, bool quotes) {
  std::string out;
  for (auto c : x) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '\n')
      out += "\\n";
    else if (c == '"' && quotes)
      out += "\\\"";
    else
      out += c;
  }
  return out;
}

std::string label_text(const metric_labels& labels, const std::string& extra_key = {},
                       const std::string& extra_value = {}) {
  if (labels.empty() && extra_key.empty())
    return {};
  std::string out = "{";
  auto first = true;
  for (auto& [k, v] : labels) {
    out += (first ? "" : ",") + k + "=\"" + escape(v, true) + "\"";
    first = false;
  }
  if (!extra_key.empty())
    out += (first ? "" : ",") + extra_key + "=\"" + extra_value + "\"";
  return out + "}";
}

const char* type_name(metric_type t) {
  switch (t) {
  case metric_type::counter:
    return "counter";
  case metric_type::gauge:
    return "gauge";
  case metric_type::summary:
    return "summary";
  }
  return "untyped";
}

// n / d in decimal without floating point ("0.000125" for 125 / 1e6).
std::string scaled(int64_t n, int64_t d) {
  if (d == 1)
    return std::to_string(n);
  auto neg = n < 0;
  auto u = neg ? -static_cast<uint64_t>(n) : static_cast<uint64_t>(n);
  auto ud = static_cast<uint64_t>(d);
  auto frac = std::to_string(u % ud);
  auto width = std::to_string(ud - 1).size();
  frac.insert(0, width - frac.size(), '0');
  return (neg ? "-" : "") + std::to_string(u / ud) + "." + frac;
}

} // namespace

void summary_metric::observe(int64_t x) {
  std::lock_guard<std::mutex> guard{mtx_};
  hist_.record(x);
  window_.record(x);
  sum_ += x;
  window_sum_ += x;
}

summary_metric::snapshot summary_metric::take_window() {
  std::lock_guard<std::mutex> guard{mtx_};
  snapshot x{window_.count(), window_sum_, window_.quantile(0.5), window_.quantile(0.95),
             window_.quantile(0.99)};
  window_.reset();
  window_sum_ = 0;
  return x;
}

summary_metric::snapshot summary_metric::read() const {
  std::lock_guard<std::mutex> guard{mtx_};
  return snapshot{hist_.count(), sum_, hist_.quantile(0.5), hist_.quantile(0.95),
                  hist_.quantile(0.99)};
}

bool metric_registry::valid_name(const std::string& x, bool label) {
  if (x.empty())
    return false;
  for (size_t i = 0; i < x.size(); ++i) {
    auto c = x[i];
    auto alpha =
        (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' || (!label && c == ':');
    auto digit = c >= '0' && c <= '9';
    if (!(alpha || (i > 0 && digit)))
      return false;
  }
  // Label names starting with "__" are reserved by Prometheus.
  return !(label && x.compare(0, 2, "__") == 0);
}

metric_registry::family* metric_registry::family_for(const std::string& name,
                                                     const std::string& help, metric_type type,
                                                     const metric_labels& labels) {
  if (!valid_name(name))
    return nullptr;
  for (auto& [k, v] : labels)
    if (!valid_name(k, true) || (type == metric_type::summary && k == "quantile"))
      return nullptr;
  auto [i, added] = families_.try_emplace(name);
  if (added) {
    i->second.type = type;
    i->second.help = help;
  } else if (i->second.type != type) {
    return nullptr;
  }
  return &i->second;
}

namespace {

// The series of `labels` in `series`, made on first use.
template <class T>
T* series_of(std::map<metric_labels, std::unique_ptr<T>>& series, const metric_labels& labels) {
  auto& slot = series[labels];
  if (!slot)
    slot = std::make_unique<T>();
  return slot.get();
}

} // namespace

counter_metric* metric_registry::counter(const std::string& name, const std::string& help,
                                         const metric_labels& labels, int64_t unit_divisor) {
  std::lock_guard<std::mutex> guard{mtx_};
  auto f = family_for(name, help, metric_type::counter, labels);
  if (f == nullptr || unit_divisor <= 0)
    return nullptr;
  f->unit_divisor = unit_divisor;
  return series_of(f->counters, labels);
}

namespace {

// Removes the series of `series` whose `label` is not in `keep`.
template <class T>
void retire_from(std::map<metric_labels, std::unique_ptr<T>>& series, const std::string& label,
                 const std::set<std::string>& keep) {
  for (auto i = series.begin(); i != series.end();) {
    auto l = i->first.find(label);
    if (l != i->first.end() && keep.count(l->second) == 0)
      i = series.erase(i);
    else
      ++i;
  }
}

} // namespace

void metric_registry::retire_series(const std::string& label, const std::set<std::string>& keep) {
  std::lock_guard<std::mutex> guard{mtx_};
  for (auto& [name, f] : families_) {
    retire_from(f.counters, label, keep);
    retire_from(f.gauges, label, keep);
    retire_from(f.summaries, label, keep);
  }
}

gauge_metric* metric_registry::gauge(const std::string& name, const std::string& help,
                                     const metric_labels& labels, int64_t unit_divisor) {
  std::lock_guard<std::mutex> guard{mtx_};
  auto f = family_for(name, help, metric_type::gauge, labels);
  if (f == nullptr || unit_divisor <= 0)
    return nullptr;
  f->unit_divisor = unit_divisor;
  return series_of(f->gauges, labels);
}

summary_metric* metric_registry::summary(const std::string& name, const std::string& help,
                                         const metric_labels& labels, int64_t unit_divisor) {
  std::lock_guard<std::mutex> guard{mtx_};
  auto f = family_for(name, help, metric_type::summary, labels);
  if (f == nullptr || unit_divisor <= 0)
    return nullptr;
  f->unit_divisor = unit_divisor;
  return series_of(f->summaries, labels);
}

template <class Header, class Point>
void metric_registry::visit(const metric_filter& include, Header header, Point point) const {
  std::lock_guard<std::mutex> guard{mtx_};
  for (auto& [name, f] : families_) {
    if (include && !include(name))
      continue;
    header(name, f);
    for (auto& [labels, c] : f.counters)
      point(name, name + label_text(labels), scaled(c->value(), f.unit_divisor));
    for (auto& [labels, g] : f.gauges)
      point(name, name + label_text(labels), scaled(g->value(), f.unit_divisor));
    for (auto& [labels, s] : f.summaries) {
      auto x = s->read();
      auto v = [d = f.unit_divisor](int64_t n) { return scaled(n, d); };
      point(name, name + label_text(labels, "quantile", "0.5"), v(x.p50));
      point(name, name + label_text(labels, "quantile", "0.95"), v(x.p95));
      point(name, name + label_text(labels, "quantile", "0.99"), v(x.p99));
      point(name, name + "_sum" + label_text(labels), v(x.sum));
      point(name, name + "_count" + label_text(labels), std::to_string(x.count));
    }
  }
}

std::string metric_registry::render_prometheus(const metric_filter& include) const {
  std::ostringstream out;
  visit(
      include,
      [&](const std::string& name, const family& f) {
        out << "# HELP " << name << ' ' << escape(f.help, false) << '\n';
        out << "# TYPE " << name << ' ' << type_name(f.type) << '\n';
      },
      [&](const std::string&, const std::string& series, const std::string& value) {
        out << series << ' ' << value << '\n';
      });
  return out.str();
}

std::vector<metric_point> metric_registry::query(const metric_filter& include) const {
  std::vector<metric_point> result;
  visit(
      include, [](const std::string&, const family&) {},
      [&](const std::string& name, const std::string& series, const std::string& value) {
        result.push_back(metric_point{name, series, value});
      });
  return result;
}

http_metrics http_metrics::in(metric_registry& x) {
  http_metrics m;
  m.requests = x.counter("tfarm_http_requests_total", "HTTP requests answered");
  m.errors = x.counter("tfarm_http_errors_total", "HTTP answers with a status of 500 or more");
  m.latency = x.summary("tfarm_http_request_seconds", "HTTP request to answer", {}, 1'000'000);
  return m;
}

} // namespace tfarm::runtime
