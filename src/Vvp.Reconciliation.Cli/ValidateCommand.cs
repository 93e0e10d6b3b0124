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
            var documents = ResourceReader.ReadAll(InputFiles.ReadBytes(path));
            if (documents.Count == 0)
            {
                stdout.WriteLine($"{path}: /: The file holds no document.");
                invalid = true;
            }

            for (var i = 0; i < documents.Count; i++)
            {
                // Files with several YAML documents name each one: file#2.
                var name = documents.Count > 1 ? $"{path}#{i + 1}" : path;
                var read = documents[i];
                var errors = read.IsSuccess ? VvpDeploymentValidator.Validate(read.Document).Errors : read.Errors;
                foreach (var error in errors)
                {
                    stdout.WriteLine($"{name}: {error}");
                }

                if (errors.Count == 0)
                {
                    stdout.WriteLine($"{name}: valid");
                }

                invalid |= errors.Count > 0;
            }
        }

        return invalid ? ExitCodes.Invalid : ExitCodes.Success;
    }
}
