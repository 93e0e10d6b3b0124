using System.Text;
using System.Text.Json.Nodes;
using Vvp.Reconciliation.Planning;
using Vvp.Reconciliation.Platform;
using Vvp.Reconciliation.Reconciling;
using Vvp.Reconciliation.Resources;

namespace Vvp.Reconciliation.Stress;

/// <summary>What a fuzz run saw: how many inputs took which way, and every failure of the rules.</summary>
public sealed class FuzzReport
{
    /// <summary>Cases run.</summary>
    public int Cases { get; set; }

    /// <summary>Documents read from the cases' texts.</summary>
    public int Documents { get; set; }

    /// <summary>Texts or documents refused by the reader or the validator, each with messages.</summary>
    public int Rejected { get; set; }

    /// <summary>Valid CRs planned and reconciled against a misbehaving platform.</summary>
    public int Reconciled { get; set; }

    /// <summary>Platform answers that were mutated or replaced by a failure.</summary>
    public int PlatformFaults { get; set; }

    /// <summary>Exceptions that escaped, and rejections without a path or a message: each a defect.</summary>
    public List<string> Failures { get; } = [];

    /// <inheritdoc />
    public override string ToString() =>
        $"{Cases} cases: {Documents} documents, {Rejected} rejected with messages, {Reconciled} reconciled, {PlatformFaults} platform answers mutated or failed, {Failures.Count} unhandled";
}

/// <summary>
/// Generated and mutated CRs (text and tree mutations of the documentation's examples) and platform answers
/// (wrong shapes, failures of every kind), through read → validate → plan → execute. Deterministic for a seed.
/// </summary>
public static class Fuzzer
{
    private static readonly string[] Tokens =
    [
        ":", "- ", "{", "}", "[", "]", "&a ", "*a", "!!binary ", "!evil ", "---\n", "\"", "'", "\0", "\t", "\r", "\u001b[31m", "1e999999",
        "\\ud800", "~", "<<: *a\n", "? ", "|\n", ">-\n", "#", "%YAML 1.1\n", "yes", "0x", ".inf", "\uFEFF", "\u2028", "null",
    ];

    /// <summary>Runs <paramref name="cases"/> cases from <paramref name="seed"/>.</summary>
    /// <param name="cases">How many cases.</param>
    /// <param name="seed">The first case's seed; case i uses seed + i.</param>
    /// <param name="examples">The CR texts mutations start from.</param>
    /// <param name="cancellationToken">Stops the run.</param>
    /// <returns>The report.</returns>
    public static async Task<FuzzReport> RunAsync(int cases, int seed, IReadOnlyList<string> examples, CancellationToken cancellationToken = default)
    {
        var report = new FuzzReport();
        for (var i = 0; i < cases && !cancellationToken.IsCancellationRequested; i++)
        {
            var random = new Random(seed + i);
            // Four in ten mutate the text, four the tree; two keep a valid example, so the platform's answers are fuzzed too.
            var example = examples[random.Next(examples.Count)];
            var text = random.Next(10) switch
            {
                < 4 => MutateText(example, random),
                < 8 => MutateTree(example, random),
                _ => example,
            };
            report.Cases++;
            try
            {
                await RunCaseAsync(text, random, report).ConfigureAwait(false);
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                report.Failures.Add($"case {seed + i}: {ex.GetType().Name}: {ex.Message} | input: {Shorten(text)}");
            }
        }

        return report;
    }

    private static async Task RunCaseAsync(string text, Random random, FuzzReport report)
    {
        var bytes = Encoding.UTF8.GetBytes(text);
        foreach (var read in ResourceReader.ReadAll(bytes))
        {
            report.Documents++;
            if (!read.IsSuccess)
            {
                report.Rejected++;
                Check(read.Errors, report, text);
                continue;
            }

            var validation = VvpDeploymentValidator.Validate(read.Document);
            if (!validation.IsValid)
            {
                report.Rejected++;
                Check(validation.Errors, report, text);
            }

            if (read.Document is not JsonObject document)
            {
                continue;
            }

            var cr = VvpDeploymentResource.FromDocument(document);
            if (random.Next(2) == 0)
            {
                cr = cr.WithGeneration(random.Next(1, 4));
            }

            var platform = new FuzzPlatform(random, report);
            var options = new ReconcilerOptions
            {
                TransientRetries = random.Next(3),
                TransientRetryDelay = TimeSpan.Zero,
                MaxRetryAfter = TimeSpan.Zero,
                DeletionPolicy = (DeletionPolicy)random.Next(3),
            };
            options.WatchedNamespaces.Add(cr.KubernetesNamespace is var ns && VvpDeploymentValidator.IsDns1123Label(ns) ? ns : "default");
            var reconciler = new VvpDeploymentReconciler(platform, options);
            var result = await reconciler.ReconcileAsync(cr).ConfigureAwait(false);
            if (validation.IsValid)
            {
                report.Reconciled++;
            }
            else if (platform.Calls > 0)
            {
                report.Failures.Add($"an invalid CR reached the platform ({platform.Calls} calls): {Shorten(text)}");
            }

            if (result.Status is not null)
            {
                // A second pass on the status just projected, as a host would after writing it.
                await reconciler.ReconcileAsync(cr.WithStatus(result.Status)).ConfigureAwait(false);
            }

            await reconciler.DeleteAsync(cr).ConfigureAwait(false);
        }
    }

    private static void Check(IReadOnlyList<ResourceMessage> errors, FuzzReport report, string text)
    {
        if (errors.Count == 0)
        {
            report.Failures.Add($"a rejection without a message: {Shorten(text)}");
        }

        foreach (var error in errors)
        {
            if (error.Path is null || (error.Path.Length > 0 && error.Path[0] != '/') || string.IsNullOrWhiteSpace(error.Message))
            {
                report.Failures.Add($"a rejection without a path or a message ({error}): {Shorten(text)}");
            }
        }
    }

    private static string MutateText(string text, Random random)
    {
        var builder = new StringBuilder(text);
        for (var n = random.Next(1, 4); n > 0; n--)
        {
            var at = random.Next(builder.Length + 1);
            switch (random.Next(6))
            {
                case 0:
                    builder.Insert(at, Tokens[random.Next(Tokens.Length)]);
                    break;
                case 1 when builder.Length > 0:
                    builder.Remove(Math.Min(at, builder.Length - 1), Math.Min(random.Next(1, 40), builder.Length - Math.Min(at, builder.Length - 1)));
                    break;
                case 2 when builder.Length > 0:
                    builder[Math.Min(at, builder.Length - 1)] = (char)random.Next(0, 128);
                    break;
                case 3:
                    builder.Length = Math.Min(builder.Length, at);
                    break;
                case 4:
                    var lines = builder.ToString().Split('\n');
                    var line = lines[random.Next(lines.Length)];
                    builder.Insert(at, line + "\n");
                    break;
                default:
                    builder.Insert(at, new string(' ', random.Next(1, 5)));
                    break;
            }
        }

        return builder.ToString();
    }

    private static string MutateTree(string text, Random random)
    {
        var document = ResourceReader.Read(text).Document as JsonObject ?? new JsonObject();
        for (var n = random.Next(1, 4); n > 0; n--)
        {
            var (parent, key) = PickMember(document, random);
            if (parent is null)
            {
                continue;
            }

            switch (random.Next(4))
            {
                case 0:
                    parent.Remove(key);
                    break;
                case 1:
                    parent["x-" + random.Next(100)] = Value(random);
                    break;
                default:
                    parent[key] = Value(random);
                    break;
            }
        }

        return random.Next(2) == 0 ? document.ToJsonString() : ResourceWriter.ToYaml(document);
    }

    private static (JsonObject? Parent, string Key) PickMember(JsonObject root, Random random)
    {
        JsonObject current = root;
        while (true)
        {
            if (current.Count == 0)
            {
                return (null, string.Empty);
            }

            var (key, value) = current.GetAt(random.Next(current.Count));
            if (value is JsonObject child && random.Next(3) > 0)
            {
                current = child;
                continue;
            }

            return (current, key);
        }
    }

    /// <summary>A value of any kind, the awkward ones often.</summary>
    internal static JsonNode? Value(Random random) => random.Next(16) switch
    {
        0 => null,
        1 => true,
        2 => 0,
        3 => -1,
        4 => JsonNode.Parse("2147483648"),
        5 => JsonNode.Parse("1e309"),
        6 => JsonNode.Parse("1e-999999999999"),
        7 => string.Empty,
        8 => new string('x', random.Next(1, 20_000)),
        9 => "a\u0000b\u001b[2J\r\nforged",
        10 => new JsonArray(),
        11 => new JsonObject(),
        12 => new JsonArray(1, "a", null, new JsonObject { ["k"] = "v" }),
        13 => Deep(random.Next(30, 80)),
        14 => "RUNNING",
        _ => "Bad Name/..",
    };

    private static JsonNode Deep(int depth)
    {
        JsonNode node = "leaf";
        for (var i = 0; i < depth; i++)
        {
            node = new JsonObject { ["d"] = node };
        }

        return node;
    }

    private static string Shorten(string text)
    {
        var escaped = text.Replace("\n", "\\n", StringComparison.Ordinal);
        return escaped.Length <= 300 ? escaped : escaped[..300] + "…";
    }
}
