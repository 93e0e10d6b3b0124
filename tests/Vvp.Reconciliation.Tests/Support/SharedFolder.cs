namespace Vvp.Reconciliation.Tests.Support;

/// <summary>
/// Locates <c>../shared</c> beside the repository. Where it is absent (a user's own clone) the tests that
/// need it skip with a reason; under <c>CI=true</c> its absence fails them, so CI cannot pass without it.
/// </summary>
internal static class SharedFolder
{
    public const string MissingRow = "(../shared is absent)";

    private static readonly Lazy<string?> LazyRoot = new(Find);

    public static string? Root => LazyRoot.Value;

    public static bool IsCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    /// <summary>The path of a file under ../shared, or a skip (a failure under CI) when the folder is absent.</summary>
    public static string Require(params string[] relative)
    {
        var root = Root;
        if (root is null)
        {
            if (IsCi)
            {
                throw new InvalidOperationException("../shared is absent beside the repository, and CI=true requires it.");
            }

            Skip.If(true, "../shared (conformance suites and the seed documentation) is not beside this clone.");
        }

        var path = Path.Combine([root!, .. relative]);
        if (!File.Exists(path) && !Directory.Exists(path))
        {
            throw new FileNotFoundException($"Expected {path} in ../shared.", path);
        }

        return path;
    }

    public static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Vvp.Reconciliation.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Vvp.Reconciliation.sln was not found above " + AppContext.BaseDirectory);
    }

    private static string? Find()
    {
        var shared = Path.GetFullPath(Path.Combine(RepositoryRoot(), "..", "shared"));
        return Directory.Exists(shared) ? shared : null;
    }
}
