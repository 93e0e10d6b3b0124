using Vvp.Reconciliation.Cli;

namespace Vvp.Reconciliation.Tests.Support;

/// <summary>Runs <c>vvp-reconcile</c> in-process with captured output, a given environment and input wait.</summary>
internal static class CliRun
{
    public static async Task<(int Code, string Stdout, string Stderr)> RunAsync(IReadOnlyDictionary<string, string>? environment, TimeSpan? inputWait, params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        var code = await CliApp.RunAsync(args, new CliContext(stdout, stderr, name => environment?.GetValueOrDefault(name), false, inputWait));
        return (code, stdout.ToString(), stderr.ToString());
    }

    /// <summary>Writes a file into <paramref name="folder"/> (UTF-8, no byte order mark) and returns its path.</summary>
    public static string File(string folder, string name, string content)
    {
        var path = Path.Combine(folder, name);
        System.IO.File.WriteAllText(path, content, new System.Text.UTF8Encoding(false));
        return path;
    }
}
