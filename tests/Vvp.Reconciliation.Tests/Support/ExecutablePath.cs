namespace Vvp.Reconciliation.Tests.Support;

/// <summary>Finds a program on <c>PATH</c>, as a shell would.</summary>
internal static class ExecutablePath
{
    /// <summary>The first <paramref name="name"/> on <c>PATH</c>, or <see langword="null"/>.</summary>
    public static string? Find(string name) =>
        (Environment.GetEnvironmentVariable("PATH") ?? string.Empty).Split(Path.PathSeparator)
            .Select(directory => Path.Combine(directory, name))
            .FirstOrDefault(File.Exists);
}
