namespace Vvp.Reconciliation.Benchmarks;

/// <summary>Finds the public fixtures in ../shared beside the repository.</summary>
internal static class Fixtures
{
    public static string DiffFixture(string name)
    {
        var root = Environment.GetEnvironmentVariable("VVP_SHARED");
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); root is null && dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Vvp.Reconciliation.sln")))
            {
                root = Path.Combine(dir.FullName, "..", "shared");
            }
        }

        var path = Path.Combine(root ?? throw new InvalidOperationException("Vvp.Reconciliation.sln not found; set VVP_SHARED."), "conformance", "diff-fixtures", name);
        return File.Exists(path) ? path : throw new FileNotFoundException("Diff fixture missing; set VVP_SHARED to the shared folder.", path);
    }

    /// <summary>Reads a fixture as text; the files begin with a byte order mark, which File.ReadAllText drops.</summary>
    public static string Read(string fixture, string side) => File.ReadAllText(DiffFixture($"weichch-{fixture}_{side}.json"));
}
