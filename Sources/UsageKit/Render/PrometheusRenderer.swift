/// The Prometheus text exposition format (version 0.0.4) of a `MetricsSnapshot`: what `usage serve` answers on
/// `/metrics` and `usage metrics --textfile` writes for node_exporter's textfile collector.
///
/// Label values come from logs: backslashes, quotes and newlines are escaped as the format says, and any other
/// control character is replaced, so a value can neither break the exposition nor drive a terminal that shows it.
/// Samples carry no timestamp (the textfile collector refuses them).
public enum PrometheusRenderer {
    /// The `Content-Type` of the exposition.
    public static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    public static func render(_ s: MetricsSnapshot) -> String {
        var out = ""
        func family(_ name: String, _ type: String, _ help: String) {
            out += "# HELP \(name) \(help)\n# TYPE \(name) \(type)\n"
        }
        func sample(_ name: String, _ labels: [(String, String)], _ value: String) {
            let text = labels.map { "\($0.0)=\"\(escape($0.1))\"" }.joined(separator: ",")
            out += labels.isEmpty ? "\(name) \(value)\n" : "\(name){\(text)} \(value)\n"
        }
        func labels(_ series: MetricsSnapshot.Series) -> [(String, String)] {
            [
                ("model", series.model), ("workflow", series.workflow), ("project", series.project),
                ("service_tier", series.serviceTier),
            ]
        }
        family("usage_requests_total", "counter", "Requests stored, known one by one (aggregated rows not counted).")
        for series in s.series { sample("usage_requests_total", labels(series), String(series.requests)) }
        family("usage_tokens_total", "counter", "Tokens stored, by type (input is uncached input).")
        for series in s.series {
            let t = series.tokens
            for (type, count) in [
                ("input", t.input), ("cache_write_5m", t.cacheWrite5m), ("cache_write_1h", t.cacheWrite1h),
                ("cache_read", t.cacheRead), ("output", t.output),
            ] {
                sample("usage_tokens_total", labels(series) + [("type", type)], String(count))
            }
        }
        family("usage_cost_usd_total", "counter", "Exact cost of the stored requests at dated list prices, in USD.")
        for series in s.series { sample("usage_cost_usd_total", labels(series), series.cost.exact) }
        family(
            "usage_cache_hit_ratio", "gauge",
            "Cache reads over all prompt tokens in the last 24 hours, by model.")
        for c in s.caching {
            if let ratio = c.hitRatio { sample("usage_cache_hit_ratio", [("model", c.model)], number(ratio)) }
        }
        family(
            "usage_cache_net_saving_usd", "gauge",
            "What caching saved in the last 24 hours, net of cache write premiums, by model, in USD.")
        for c in s.caching { sample("usage_cache_net_saving_usd", [("model", c.model)], c.netSaving.exact) }
        if let budgets = s.budgets {
            family("usage_budget_used_ratio", "gauge", "Spend over the limit of each budget in its current period.")
            for r in budgets.results {
                sample("usage_budget_used_ratio", [("budget", r.budget.name)], number(r.share))
            }
            family("usage_budget_spent_usd", "gauge", "Spend of each budget's current period, in USD.")
            for r in budgets.results { sample("usage_budget_spent_usd", [("budget", r.budget.name)], r.spent.exact) }
            family("usage_budget_limit_usd", "gauge", "Each budget's limit, in USD.")
            for r in budgets.results {
                sample("usage_budget_limit_usd", [("budget", r.budget.name)], r.budget.limit.exact)
            }
            family(
                "usage_budget_status", "gauge",
                "Each budget's status, as usage budget exits: 0 OK, 1 WARNING, 2 CRITICAL, 3 UNKNOWN.")
            for r in budgets.results {
                sample("usage_budget_status", [("budget", r.budget.name)], String(r.status.rawValue))
            }
            if budgets.problem != nil {
                sample("usage_budget_status", [("budget", MetricsSnapshot.none)], String(BudgetStatus.unknown.rawValue))
            }
        }
        if let last = s.lastRequest {
            family(
                "usage_last_request_timestamp_seconds", "gauge", "Time of the newest request stored, in Unix seconds.")
            sample("usage_last_request_timestamp_seconds", [], number(Double(last) / 1000))
        }
        return out
    }

    /// A label value as the format writes it.
    static func escape(_ value: String) -> String {
        var out = ""
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\\": out += "\\\\"
            case "\"": out += "\\\""
            case "\n": out += "\\n"
            default:
                if scalar.value < 0x20 || (0x7F...0x9F).contains(scalar.value) {
                    out.unicodeScalars.append("\u{FFFD}")
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out
    }

    private static func number(_ value: Double) -> String {
        value.isFinite ? String(value) : (value.isNaN ? "NaN" : value > 0 ? "+Inf" : "-Inf")
    }
}
