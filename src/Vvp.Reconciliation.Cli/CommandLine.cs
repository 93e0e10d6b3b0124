namespace Vvp.Reconciliation.Cli;

/// <summary>A small parser: <c>--name value</c> options and positional arguments, nothing hidden.</summary>
internal sealed class CommandLine
{
    private readonly Dictionary<string, List<string>> _options = new(StringComparer.Ordinal);

    private CommandLine()
    {
    }

    public List<string> Positional { get; } = [];

    public static CommandLine Parse(IEnumerable<string> args, IReadOnlySet<string> knownOptions, IReadOnlySet<string>? repeatable = null)
    {
        var line = new CommandLine();
        using var e = args.GetEnumerator();
        while (e.MoveNext())
        {
            var arg = e.Current;
            if (!arg.StartsWith("--", StringComparison.Ordinal))
            {
                line.Positional.Add(arg);
                continue;
            }

            var eq = arg.IndexOf('=', StringComparison.Ordinal);
            var name = eq > 0 ? arg[2..eq] : arg[2..];
            if (!knownOptions.Contains(name))
            {
                throw new UsageException($"unknown option '--{name}'.");
            }

            string value;
            if (eq > 0)
            {
                value = arg[(eq + 1)..];
            }
            else if (e.MoveNext())
            {
                value = e.Current;
            }
            else
            {
                throw new UsageException($"the option '--{name}' needs a value.");
            }

            if (!line._options.TryGetValue(name, out var values))
            {
                line._options[name] = values = [];
            }
            else if (repeatable?.Contains(name) != true)
            {
                throw new UsageException($"the option '--{name}' is given twice.");
            }

            values.Add(value);
        }

        return line;
    }

    public string? Get(string name) => _options.TryGetValue(name, out var values) ? values[0] : null;

    public IReadOnlyList<string> GetAll(string name) => _options.TryGetValue(name, out var values) ? values : [];

    public string Require(string name) => Get(name) ?? throw new UsageException($"the option '--{name}' is required.");
}

/// <summary>The command line is wrong: the message is shown with the usage, and the exit code is 2.</summary>
internal sealed class UsageException(string message) : Exception(message);
