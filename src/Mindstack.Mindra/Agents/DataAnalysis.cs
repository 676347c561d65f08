using System.Globalization;
using System.Text.Json.Nodes;
using Mindstack.Mindra.Orchestration;

namespace Mindstack.Mindra.Agents;

/// <summary>
/// The data analyst's computation: every numeric series found in the context (an array of numbers,
/// or an array of objects sharing numeric fields) is described by count, sum, mean, median, min,
/// max, standard deviation, first-to-last growth and a least-squares trend.
/// </summary>
internal static class DataAnalysis
{
    public static AgentOutput Analyze(JsonObject context)
    {
        var series = new SortedDictionary<string, List<double>>(StringComparer.Ordinal);
        Collect(context, "", series);
        var data = new JsonObject();
        var lines = new List<string>();
        foreach (var (name, values) in series.Where(s => s.Value.Count > 0))
        {
            var stats = Describe(values);
            data[name] = stats.Json;
            lines.Add(stats.Sentence(name));
        }
        if (data.Count == 0)
        {
            return new AgentOutput("No numeric data was found in the context to analyze; pass series such as {\"revenue\": [120, 135, 150]}.",
                "no-data", 0.3, new JsonObject { ["series"] = new JsonObject() });
        }
        var trends = series.Where(s => s.Value.Count > 1).Select(s => Describe(s.Value).Trend).ToList();
        var answer = trends.Count == 0 ? "flat"
            : trends.Count(t => t == "increasing") >= trends.Count(t => t == "decreasing") ? (trends.Contains("increasing") ? "increasing" : "flat")
            : "decreasing";
        return new AgentOutput(string.Join(" ", lines), answer, 0.95, new JsonObject { ["series"] = data });
    }

    private static void Collect(JsonNode? node, string path, IDictionary<string, List<double>> series)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (key, value) in obj)
                {
                    Collect(value, path.Length == 0 ? key : path + "." + key, series);
                }
                break;
            case JsonArray array when array.Count > 0 && array.All(IsNumber):
                series[path.Length == 0 ? "values" : path] = array.Select(n => n!.GetValue<double>()).ToList();
                break;
            case JsonArray array when array.Count > 0 && array.All(n => n is JsonObject):
                // Records: each numeric field across the records is a series.
                var fields = array.OfType<JsonObject>().SelectMany(o => o.Where(p => IsNumber(p.Value)).Select(p => p.Key)).Distinct(StringComparer.Ordinal);
                foreach (var field in fields.ToList())
                {
                    series[(path.Length == 0 ? "" : path + ".") + field] = array.OfType<JsonObject>()
                        .Where(o => IsNumber(o[field])).Select(o => o[field]!.GetValue<double>()).ToList();
                }
                break;
        }
    }

    private static bool IsNumber(JsonNode? node) =>
        node is JsonValue value && value.TryGetValue<double>(out var number) && double.IsFinite(number);

    private sealed record Stats(JsonObject Json, string Trend, double Mean, double Sum, int Count, double? Growth)
    {
        public string Sentence(string name)
        {
            var text = string.Create(CultureInfo.InvariantCulture, $"{name}: {Count} values, total {Sum:0.##}, average {Mean:0.##}, trend {Trend}");
            return Growth is { } g ? text + string.Create(CultureInfo.InvariantCulture, $" ({g:+0.#;-0.#;0}% first to last).") : text + ".";
        }
    }

    private static Stats Describe(List<double> values)
    {
        var n = values.Count;
        var sum = values.Sum();
        var mean = sum / n;
        var sorted = values.Order().ToList();
        var median = n % 2 == 1 ? sorted[n / 2] : (sorted[(n / 2) - 1] + sorted[n / 2]) / 2;
        var stdDev = Math.Sqrt(values.Sum(v => (v - mean) * (v - mean)) / n);
        // Least-squares slope over the positions 0..n-1.
        double slope = 0;
        if (n > 1)
        {
            var xMean = (n - 1) / 2.0;
            var numerator = values.Select((v, i) => (i - xMean) * (v - mean)).Sum();
            var denominator = Enumerable.Range(0, n).Sum(i => (i - xMean) * (i - xMean));
            slope = numerator / denominator;
        }
        var trend = n < 2 || Math.Abs(slope) <= Math.Abs(mean) * 0.001 ? "flat" : slope > 0 ? "increasing" : "decreasing";
        double? growth = n > 1 && values[0] != 0 ? Math.Round((values[^1] - values[0]) / Math.Abs(values[0]) * 100, 2) : null;
        var json = new JsonObject
        {
            ["count"] = n,
            ["sum"] = Round(sum),
            ["mean"] = Round(mean),
            ["median"] = Round(median),
            ["min"] = Round(sorted[0]),
            ["max"] = Round(sorted[^1]),
            ["stdDev"] = Round(stdDev),
            ["slope"] = Round(slope),
            ["trend"] = trend,
            ["growthPercent"] = growth,
        };
        return new Stats(json, trend, mean, sum, n, growth);
    }

    private static double Round(double value) => Math.Round(value, 4);
}
