using Vvp.Reconciliation.Emulator;
using Vvp.Reconciliation.Testing;

namespace Vvp.Reconciliation.Tests.Support;

/// <summary>
/// A test class that runs <c>vvp-reconcile</c> in-process against the platform emulator over a real socket: the
/// emulator (with one editor token), a scratch folder for CR files, and the helpers to write files and run commands.
/// </summary>
public abstract class CliEmulatorTest(string token, InMemoryPlatformOptions? platform = null) : IAsyncLifetime
{
    protected string Token { get; } = token;

    protected string Folder { get; } = Directory.CreateTempSubdirectory("vvp-cli-").FullName;

    protected PlatformEmulator Emulator { get; private set; } = null!;

    protected string Url => Emulator.BaseAddress.ToString();

    public async Task InitializeAsync()
    {
        Emulator = await PlatformEmulator.StartAsync(new InMemoryPlatform(platform ?? new InMemoryPlatformOptions()));
        Emulator.Platform.AddToken(Token, PlatformRole.Editor);
    }

    public async Task DisposeAsync()
    {
        await Emulator.DisposeAsync();
        Directory.Delete(Folder, recursive: true);
    }

    /// <summary>Writes a file into the scratch folder and returns its path.</summary>
    protected string File(string name, string content) => CliRun.File(Folder, name, content);

    /// <summary>The token in a file, as <c>--token-file</c> takes it.</summary>
    protected string TokenFile() => File("token", Token + "\n");

    protected static Task<(int Code, string Stdout, string Stderr)> Run(params string[] args) => CliRun.RunAsync(null, null, args);

    protected static Task<(int Code, string Stdout, string Stderr)> Run(Dictionary<string, string> environment, params string[] args) => CliRun.RunAsync(environment, null, args);
}
