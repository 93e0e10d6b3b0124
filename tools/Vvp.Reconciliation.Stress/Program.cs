using System.Diagnostics;
using System.Globalization;
using Vvp.Reconciliation.Stress;

// vvp-stress fuzz [--cases N] [--seed S]      generated and mutated CRs and platform answers, read → validate → plan → execute
// vvp-stress soak [--crs N] [--concurrency C] [--faults P] [--seed S]   a fleet over HTTP against the emulator with faults injected
// vvp-stress operator [--seconds N] [--rate R] [--crs N] [--watch-timeout S] [--seed S]    the operator against a Kubernetes API that answers badly
var command = args.FirstOrDefault();
int Option(string name, int fallback)
{
    var at = Array.IndexOf(args, "--" + name);
    return at >= 0 && at + 1 < args.Length && int.TryParse(args[at + 1], NumberStyles.None, CultureInfo.InvariantCulture, out var value) ? value : fallback;
}

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

    default:
        Console.Error.WriteLine("Usage: vvp-stress fuzz [--cases N] [--seed S] | soak [--crs N] [--concurrency C] [--faults P] [--seed S] | operator [--seconds N] [--rate R] [--crs N] [--watch-timeout S] [--seed S]");
        return 2;
}
