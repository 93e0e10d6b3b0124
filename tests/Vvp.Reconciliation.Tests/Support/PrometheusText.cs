using System.Globalization;
using System.Text.RegularExpressions;

namespace Vvp.Reconciliation.Tests.Support;

/// <summary>One sample of a scrape: its name, labels and value.</summary>
internal sealed record PrometheusSample(string Name, IReadOnlyDictionary<string, string> Labels, double Value);

/// <summary>A metric family: the name and type its <c># TYPE</c> line gives, its help, and its samples.</summary>
internal sealed record PrometheusFamily(string Name, string Type, string Help, List<PrometheusSample> Samples);

/// <summary>
/// Reads a scrape in the Prometheus text exposition format (version 0.0.4) and checks it against the format's rules and
/// the naming conventions: every sample belongs to a family declared by a <c># TYPE</c> line before it, names and label
/// names are valid, counters end in <c>_total</c>, histograms have cumulative buckets ending in <c>le="+Inf"</c> equal to
/// <c>_count</c>, and every sample of a family has the same label names.
/// </summary>
internal static partial class PrometheusText
{
    public static IReadOnlyDictionary<string, PrometheusFamily> Parse(string text, List<string> problems)
    {
        var families = new Dictionary<string, PrometheusFamily>(StringComparer.Ordinal);
        var help = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            if (line.Length == 0)
            {
                continue;
            }

            if (line.StartsWith("# HELP ", StringComparison.Ordinal))
            {
                var parts = line[7..].Split(' ', 2);
                help[parts[0]] = parts.Length > 1 ? parts[1] : string.Empty;
                continue;
            }

            if (line.StartsWith("# TYPE ", StringComparison.Ordinal))
            {
                var parts = line[7..].Split(' ');
                if (parts.Length != 2 || parts[1] is not ("counter" or "gauge" or "histogram" or "summary" or "untyped"))
                {
                    problems.Add($"bad TYPE line: {line}");
                    continue;
                }

                if (!MetricName().IsMatch(parts[0]))
                {
                    problems.Add($"invalid metric name {parts[0]}");
                }

                if (families.ContainsKey(parts[0]))
                {
                    problems.Add($"{parts[0]} is declared twice");
                }

                families[parts[0]] = new PrometheusFamily(parts[0], parts[1], help.GetValueOrDefault(parts[0], string.Empty), []);
                continue;
            }

            if (line.StartsWith('#'))
            {
                continue;
            }

            var match = SampleLine().Match(line);
            if (!match.Success)
            {
                problems.Add($"unreadable sample: {line}");
                continue;
            }

            var name = match.Groups["name"].Value;
            var labels = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (Match label in LabelPair().Matches(match.Groups["labels"].Value))
            {
                var labelName = label.Groups["name"].Value;
                if (labelName.StartsWith("__", StringComparison.Ordinal))
                {
                    problems.Add($"{name}: reserved label name {labelName}");
                }

                labels[labelName] = label.Groups["value"].Value;
            }

            if (!double.TryParse(match.Groups["value"].Value.Replace("+Inf", "Infinity", StringComparison.Ordinal).Replace("-Inf", "-Infinity", StringComparison.Ordinal), NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
            {
                problems.Add($"{name}: unreadable value {match.Groups["value"].Value}");
                continue;
            }

            var family = FamilyOf(name, families);
            if (family is null)
            {
                problems.Add($"{name} has no TYPE line before it");
                continue;
            }

            family.Samples.Add(new PrometheusSample(name, labels, value));
        }

        foreach (var family in families.Values)
        {
            Check(family, problems);
        }

        return families;
    }

    private static PrometheusFamily? FamilyOf(string sample, Dictionary<string, PrometheusFamily> families)
    {
        if (families.TryGetValue(sample, out var exact))
        {
            return exact;
        }

        foreach (var suffix in new[] { "_bucket", "_sum", "_count" })
        {
            if (sample.EndsWith(suffix, StringComparison.Ordinal) && families.TryGetValue(sample[..^suffix.Length], out var family) && family.Type is "histogram" or "summary")
            {
                return family;
            }
        }

        return null;
    }

    private static void Check(PrometheusFamily family, List<string> problems)
    {
        if (family.Type == "counter" && !family.Name.EndsWith("_total", StringComparison.Ordinal))
        {
            problems.Add($"counter {family.Name} does not end in _total");
        }

        if (family.Type != "counter" && family.Name.EndsWith("_total", StringComparison.Ordinal))
        {
            problems.Add($"{family.Type} {family.Name} ends in _total");
        }

        var labelSets = family.Samples.Select(s => string.Join(",", s.Labels.Keys.Where(k => k != "le").Order(StringComparer.Ordinal))).Distinct().ToList();
        if (labelSets.Count > 1)
        {
            problems.Add($"{family.Name}: samples with different label names ({string.Join(" | ", labelSets)})");
        }

        if (family.Type != "histogram")
        {
            return;
        }

        foreach (var series in family.Samples.GroupBy(s => string.Join(",", s.Labels.Where(l => l.Key != "le").OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => $"{l.Key}={l.Value}"))))
        {
            var buckets = series.Where(s => s.Name == family.Name + "_bucket").ToList();
            var count = series.SingleOrDefault(s => s.Name == family.Name + "_count");
            if (buckets.Count == 0 || count is null || !series.Any(s => s.Name == family.Name + "_sum"))
            {
                problems.Add($"histogram {family.Name}{{{series.Key}}} lacks buckets, _sum or _count");
                continue;
            }

            var previous = 0.0;
            var previousBound = double.NegativeInfinity;
            foreach (var bucket in buckets)
            {
                var bound = bucket.Labels.TryGetValue("le", out var le) ? double.Parse(le.Replace("+Inf", "Infinity", StringComparison.Ordinal), CultureInfo.InvariantCulture) : double.NaN;
                if (!(bound > previousBound) || bucket.Value < previous)
                {
                    problems.Add($"histogram {family.Name}{{{series.Key}}}: buckets are not cumulative in increasing le");
                    previousBound = double.NaN;
                    break;
                }

                previous = bucket.Value;
                previousBound = bound;
            }

            if (!double.IsNaN(previousBound) && (!double.IsPositiveInfinity(previousBound) || previous != count.Value))
            {
                problems.Add($"histogram {family.Name}{{{series.Key}}}: the +Inf bucket is missing or differs from _count");
            }
        }
    }

    [GeneratedRegex("^[a-zA-Z_:][a-zA-Z0-9_:]*$")]
    private static partial Regex MetricName();

    [GeneratedRegex("""^(?<name>[a-zA-Z_:][a-zA-Z0-9_:]*)(\{(?<labels>.*)\})? (?<value>\S+)( -?\d+)?$""")]
    private static partial Regex SampleLine();

    [GeneratedRegex("""(?<name>[a-zA-Z_][a-zA-Z0-9_]*)="(?<value>(\\.|[^"\\])*)",?""")]
    private static partial Regex LabelPair();
}
