namespace Vvp.Reconciliation.Cli;

/// <summary><c>vvp-reconcile validate</c>: each file's errors as <c>file: /json/pointer: message</c>.</summary>
internal static class ValidateCommand
{
    public static int Run(string[] args, TextWriter stdout)
    {
        var line = CommandLine.Parse(args, new HashSet<string>());
        if (line.Positional.Count == 0)
        {
            throw new UsageException("validate needs at least one file.");
        }

        var invalid = false;
        foreach (var path in line.Positional)
        {
            var errors = Validate(InputFiles.ReadBytes(path));
            foreach (var error in errors)
            {
                stdout.WriteLine($"{path}: {error}");
            }

            if (errors.Count == 0)
            {
                stdout.WriteLine($"{path}: valid");
            }

            invalid |= errors.Count > 0;
        }

        return invalid ? ExitCodes.Invalid : ExitCodes.Success;
    }

    private static IReadOnlyList<ResourceMessage> Validate(byte[] bytes)
    {
        var read = ResourceReader.Read(bytes);
        return read.IsSuccess ? VvpDeploymentValidator.Validate(read.Document).Errors : read.Errors;
    }
}
