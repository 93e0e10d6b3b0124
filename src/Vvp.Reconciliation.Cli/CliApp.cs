using System.Reflection;

namespace Vvp.Reconciliation.Cli;

/// <summary>The <c>vvp-reconcile</c> command line: dispatches to commands, maps user errors to exit codes, never shows a stack trace for them.</summary>
internal static class CliApp
{
    public const string Usage = """
        Usage:
          vvp-reconcile plan --cr <file> [--live <file>] [--identity <id>] [--output text|json]
              Plans the reconcile of one VvpDeployment CR against a live deployment (a JSON or YAML
              file as the platform returns it), or against none. Nothing is sent anywhere.
          vvp-reconcile validate <file>... [--output text|json]
              Validates CR files; prints each error as 'file: /json/pointer: message'.
          vvp-reconcile diff --cr <file|dir> [--cr <file|dir>]... [--platform <url>] [--state <file>] [options]
              apply as a dry run: the same reads and plan, nothing written; prints what would change.
          vvp-reconcile apply --cr <file|dir> [--cr <file|dir>]... [--platform <url>] [--state <file>] [--dry-run] [options]
              Reconciles each CR: creates, patches or replaces its deployment, registers savepoints.
              A spec update (erased userMetadata keys, PUT-mode adoption) is written back into the file it
              came from, that document only; --no-write-back leaves files alone.
            options: --identity <id>  --token-file <file>  --output text|json  --allow-insecure-http
            The token comes from --token-file, else the VVP_API_TOKEN environment variable (either is used
            for every CR, whatever Secret it names), else the CR's apikey annotation; never from a
            command-line argument. Without --platform, an in-memory
            platform is used, kept in the --state file between runs when one is given.
          vvp-reconcile export --platform <url> [--namespace <ns>] [--name <name>] [--mode PATCH|PUT] [--out <dir>]
                               [--token-file <file>] [--allow-insecure-http]
              Writes existing deployments of a platform namespace (default 'default') as VvpDeployment CRs,
              one file each in --out (a YAML stream on standard output without it): the user part and the
              whole spec, no system metadata, no owner marker; PUT mode unless --mode says otherwise.
              diff then reports them in sync, and apply writes nothing until a CR changes.
          vvp-reconcile crd
              Prints the CustomResourceDefinition vvpdeployments.ververica.platform (YAML), generated from
              the schema 'validate' uses: kubectl apply -f <(vvp-reconcile crd)
          vvp-reconcile --help | --version

        Exit codes: 0 done (plan computed, files valid, in sync), 1 a CR is invalid or unreadable (apply: or failed),
        2 usage or file errors, 3 diff found something to change.
        """;

    public static int Run(string[] args, TextWriter stdout, TextWriter stderr) =>
        RunAsync(args, new CliContext(stdout, stderr, _ => null, false)).GetAwaiter().GetResult();

    public static async Task<int> RunAsync(string[] args, CliContext context)
    {
        ArgumentNullException.ThrowIfNull(args);
        ArgumentNullException.ThrowIfNull(context);
        var (stdout, stderr) = (context.Stdout, context.Stderr);
        try
        {
            return args switch
            {
                [] => throw new UsageException("a command is needed."),
                ["--help"] or ["-h"] or ["help"] => Help(stdout),
                [_, .. var rest] when rest.Any(a => a is "--help" or "-h") => Help(stdout),
                ["--version"] => Version(stdout),
                ["plan", .. var rest] => PlanCommand.Run(rest, stdout),
                ["validate", .. var rest] => ValidateCommand.Run(rest, stdout),
                ["crd"] => Crd(stdout),
                ["crd", var extra, ..] => throw new UsageException($"crd takes no arguments ({InputFiles.Shown(extra)})."),
                ["diff", .. var rest] => await ReconcileCommand.RunAsync(rest, context, apply: false).ConfigureAwait(false),
                ["apply", .. var rest] => await ReconcileCommand.RunAsync(rest, context, apply: true).ConfigureAwait(false),
                ["export", .. var rest] => await ExportCommand.RunAsync(rest, context).ConfigureAwait(false),
                [var unknown, ..] => throw new UsageException($"unknown command {InputFiles.Shown(unknown)}."),
            };
        }
        catch (UsageException ex)
        {
            stderr.WriteLine($"vvp-reconcile: {ex.Message}");
            stderr.WriteLine(Usage);
            return ExitCodes.Usage;
        }
        catch (FileError ex)
        {
            stderr.WriteLine($"vvp-reconcile: {ex.Message}");
            return ExitCodes.Usage;
        }
    }

    private static int Crd(TextWriter stdout)
    {
        stdout.Write(Vvp.Reconciliation.Resources.VvpDeploymentCrd.ToYaml());
        return ExitCodes.Success;
    }

    private static int Help(TextWriter stdout)
    {
        stdout.WriteLine(Usage);
        return ExitCodes.Success;
    }

    private static int Version(TextWriter stdout)
    {
        var version = typeof(CliApp).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";
        stdout.WriteLine($"vvp-reconcile {version}");
        return ExitCodes.Success;
    }
}

/// <summary>A file cannot be opened or is not what it should be (exit code 2).</summary>
internal sealed class FileError(string message) : Exception(message);
