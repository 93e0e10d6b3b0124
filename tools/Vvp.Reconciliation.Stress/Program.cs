using System.Diagnostics;
using System.Globalization;
using Vvp.Reconciliation.Kubernetes;
using Vvp.Reconciliation.Stress;

// vvp-stress fuzz [--cases N] [--seed S]      generated and mutated CRs and platform answers, read → validate → plan → execute
// vvp-stress soak [--crs N] [--concurrency C] [--faults P] [--seed S]   a fleet over HTTP against the emulator with faults injected
// vvp-stress operator [--seconds N] [--rate R] [--crs N] [--watch-timeout S] [--seed S]    the operator against a Kubernetes API that answers badly
// vvp-stress fleet [--crs N] [--workers W] [--resync S] [--resyncs R] [--list 0|1 (default auto)] [--canaries C] [--quiet 0|1] [--memory-limit-mib M]    the operator process at fleet scale (M: its memory cgroup's limit)
// vvp-stress shards [--processes P] [--namespaces N] [--crs C] [--workers W]   P operator processes, one identity each, over N namespaces of C CRs
const string Usage = "Usage: vvp-stress fuzz [--cases N] [--seed S] | soak [--crs N] [--concurrency C] [--faults P] [--seed S] | operator [--seconds N] [--rate R] [--crs N] [--watch-timeout S] [--seed S] | fleet [--crs N] [--workers W] [--resync S] [--resyncs R] [--list 0|1 (default auto)] [--canaries C] [--quiet 0|1] [--memory-limit-mib M] | shards [--processes P] [--namespaces N] [--crs C] [--workers W] | --help | --version";
if (args is ["--help"] or ["-h"])
{
    Console.WriteLine(Usage);
    return 0;
}

if (args is ["--version"])
{
    Console.WriteLine($"vvp-stress {typeof(Fuzzer).Assembly.GetCustomAttributes(typeof(System.Reflection.AssemblyInformationalVersionAttribute), false).OfType<System.Reflection.AssemblyInformationalVersionAttribute>().FirstOrDefault()?.InformationalVersion ?? "unknown"}");
    return 0;
}

var command = args.FirstOrDefault();
string[] known = command switch
{
    "fuzz" => ["cases", "seed"],
    "soak" => ["crs", "concurrency", "faults", "seed"],
    "operator" => ["seconds", "rate", "crs", "watch-timeout", "seed"],
    "fleet" => ["crs", "workers", "resync", "resyncs", "list", "canaries", "quiet", "memory-limit-mib"],
    "shards" => ["processes", "namespaces", "crs", "workers"],
    _ => [],
};

// Every option is known and has a whole number: a misspelt one would otherwise run with the default.
var options = new Dictionary<string, int>(StringComparer.Ordinal);
for (var i = 1; i < args.Length; i += 2)
{
    var name = args[i].StartsWith("--", StringComparison.Ordinal) ? args[i][2..] : null;
    if (name is null || !known.Contains(name) || i + 1 >= args.Length || !int.TryParse(args[i + 1], NumberStyles.None, CultureInfo.InvariantCulture, out var parsed))
    {
        Console.Error.WriteLine($"vvp-stress: '{args[i]}' is not an option of '{command}' with a whole number after it. {Usage}");
        return 2;
    }

    options[name] = parsed;
}

int Option(string name, int fallback) => options.TryGetValue(name, out var value) ? value : fallback;

var watch = Stopwatch.StartNew();
switch (command)
{
    case "fuzz":
        {
            var examples = Directory.GetFiles(Path.Combine(AppContext.BaseDirectory, "seeds"), "*.yaml").Select(File.ReadAllText).ToList();
            var report = await Fuzzer.RunAsync(Option("cases", 100_000), Option("seed", 1), examples);
            Console.WriteLine($"fuzz: {report} in {watch.Elapsed.TotalSeconds:F1} s");
            foreach (var failure in report.Failures.Take(20))
            {
                Console.WriteLine("  " + failure);
            }

            return report.Failures.Count == 0 ? 0 : 1;
        }

    case "soak":
        {
            var report = await Soak.RunAsync(new SoakOptions
            {
                Crs = Option("crs", 1_000),
                Concurrency = Option("concurrency", 16),
                FaultPercent = Option("faults", 20),
                Seed = Option("seed", 1),
            });
            Console.WriteLine(report);
            return report.Problems.Count == 0 ? 0 : 1;
        }

    case "operator":
        {
            var report = await OperatorFaults.RunAsync(new OperatorFaultOptions
            {
                Duration = TimeSpan.FromSeconds(Option("seconds", 60)),
                Rate = Option("rate", 1),
                Crs = Option("crs", 20),
                Seed = Option("seed", 1),
                WatchTimeout = TimeSpan.FromSeconds(Option("watch-timeout", 2)),
            });
            Console.WriteLine($"{report} in {watch.Elapsed.TotalSeconds:F1} s");
            return report.Problems.Count == 0 ? 0 : 1;
        }

    case "fleet":
        {
            // --list: 0 a GET per CR, 1 a LIST per namespace, absent the operator's default (auto).
            if (Option("list", -1) is not (-1 or 0 or 1) and var list)
            {
                Console.Error.WriteLine($"vvp-stress: --list {list} is neither 0 (a GET per CR) nor 1 (a LIST per namespace); without it the operator reads as its default, auto, does. {Usage}");
                return 2;
            }

            var report = await Fleet.RunAsync(new FleetOptions
            {
                Crs = Option("crs", 1_000),
                Workers = Option("workers", 4),
                ResyncPeriod = TimeSpan.FromSeconds(Option("resync", 30)),
                Resyncs = Option("resyncs", 3),
                Listing = Option("list", -1) switch { 0 => PlatformNamespaceListing.Never, 1 => PlatformNamespaceListing.Always, _ => PlatformNamespaceListing.Auto },
                CanariesPerResync = Option("canaries", 20),
                QuietResyncs = Option("quiet", 0) == 1,
                MemoryLimit = Option("memory-limit-mib", 0) * 1024L * 1024,
            });
            Console.WriteLine(FleetReport.Header);
            Console.WriteLine(report);
            return report.Problems.Count == 0 ? 0 : 1;
        }

    case "shards":
        {
            var report = await Shards.RunAsync(new ShardOptions
            {
                Processes = Option("processes", 4),
                Namespaces = Option("namespaces", 40),
                CrsPerNamespace = Option("crs", 25),
                Workers = Option("workers", 4),
            });
            Console.WriteLine(ShardReport.Header);
            Console.WriteLine(report);
            return report.Problems.Count == 0 ? 0 : 1;
        }

    default:
        Console.Error.WriteLine(command is null ? Usage : $"vvp-stress: unknown command '{command}'. {Usage}");
        return 2;
}
