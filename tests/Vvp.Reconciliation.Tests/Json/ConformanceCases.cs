using System.Text.Json;
using System.Text.Json.Nodes;
using Vvp.Reconciliation.Tests.Support;

namespace Vvp.Reconciliation.Tests.Json;

/// <summary>Reads the public suites in ../shared/conformance into named rows, one per case.</summary>
internal static class ConformanceCases
{
    private static readonly Lazy<IReadOnlyDictionary<string, PatchCase>> LazyPatchCases = new(LoadPatchCases);
    private static readonly Lazy<IReadOnlyDictionary<string, MergeCase>> LazyMergeCases = new(LoadMergeCases);

    public static IReadOnlyDictionary<string, PatchCase> PatchCases => LazyPatchCases.Value;

    public static IReadOnlyDictionary<string, MergeCase> MergeCases => LazyMergeCases.Value;

    public static TheoryData<string> PatchCaseIds() => Rows(() => PatchCases.Keys);

    public static TheoryData<string> PatchCaseIdsWithExpectedResult() =>
        Rows(() => PatchCases.Where(c => c.Value.Expected is not null).Select(c => c.Key));

    public static TheoryData<string> MergeCaseIds() => Rows(() => MergeCases.Keys);

    private static TheoryData<string> Rows(Func<IEnumerable<string>> ids)
    {
        var data = new TheoryData<string>();
        if (SharedFolder.Root is null)
        {
            data.Add(SharedFolder.MissingRow);
            return data;
        }

        foreach (var id in ids())
        {
            data.Add(id);
        }

        return data;
    }

    private static Dictionary<string, PatchCase> LoadPatchCases()
    {
        var cases = new Dictionary<string, PatchCase>(StringComparer.Ordinal);
        if (SharedFolder.Root is null)
        {
            return cases;
        }

        foreach (var file in new[] { "tests.json", "spec_tests.json" })
        {
            var path = Path.Combine(SharedFolder.Root, "conformance", "json-patch-tests", file);
            using var document = JsonDocument.Parse(File.ReadAllBytes(path));
            var index = 0;
            foreach (var record in document.RootElement.EnumerateArray())
            {
                index++;

                // Disabled records are skipped before they are materialised: two hold duplicate keys.
                if (record.TryGetProperty("disabled", out var disabled) && disabled.ValueKind == JsonValueKind.True)
                {
                    continue;
                }

                if (!record.TryGetProperty("doc", out var doc) || !record.TryGetProperty("patch", out var patch))
                {
                    continue;
                }

                var comment = record.TryGetProperty("comment", out var c) ? c.GetString() : null;
                var id = $"{file}#{index:000}" + (comment is null ? string.Empty : $" {comment}");
                cases[id] = new PatchCase(
                    doc.GetRawText(),
                    patch.GetRawText(),
                    record.TryGetProperty("expected", out var expected) ? expected.GetRawText() : null,
                    record.TryGetProperty("error", out var error) ? error.GetString() : null);
            }
        }

        return cases;
    }

    private static Dictionary<string, MergeCase> LoadMergeCases()
    {
        var cases = new Dictionary<string, MergeCase>(StringComparer.Ordinal);
        if (SharedFolder.Root is null)
        {
            return cases;
        }

        var folder = Path.Combine(SharedFolder.Root, "conformance", "merge-patch");
        foreach (var file in new[] { "rfc7396-appendix-a.json", "rfc7396-section1-3-examples.json" })
        {
            var index = 0;
            foreach (var record in JsonNode.Parse(File.ReadAllText(Path.Combine(folder, file)))!.AsArray())
            {
                index++;
                cases[$"{file}#{index:00}"] = new MergeCase(Text(record!["original"]), Text(record["patch"]), Text(record["result"]));
            }
        }

        var groupIndex = 0;
        foreach (var group in JsonNode.Parse(File.ReadAllText(Path.Combine(folder, "jsoncons-rfc7396-test-cases.json")))!.AsArray())
        {
            groupIndex++;
            var caseIndex = 0;
            foreach (var item in group!["cases"]!.AsArray())
            {
                caseIndex++;
                cases[$"jsoncons-rfc7396-test-cases.json#{groupIndex:00}.{caseIndex}"] =
                    new MergeCase(Text(group["given"]), Text(item!["patch"]), Text(item["result"]));
            }
        }

        return cases;
    }

    private static string Text(JsonNode? node) => node?.ToJsonString() ?? "null";

    internal sealed record PatchCase(string Doc, string Patch, string? Expected, string? Error);

    internal sealed record MergeCase(string Original, string Patch, string Result);
}
