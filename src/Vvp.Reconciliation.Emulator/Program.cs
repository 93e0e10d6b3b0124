using System.Globalization;
using System.Net.Sockets;
using System.Reflection;
using System.Runtime.InteropServices;
using Vvp.Reconciliation.Emulator;
using Vvp.Reconciliation.Testing;

// vvp-emulator [--port N] [--token-file FILE [--role viewer|editor|owner]] [--platform-version V]: serves the
// platform's REST endpoints on 127.0.0.1 from an in-memory platform until stopped (Ctrl+C or SIGTERM).
const string Usage = "Usage: vvp-emulator [--port N] [--token-file FILE [--role viewer|editor|owner]] [--platform-version 2.7.1] | --help | --version";
if (args is ["--help" or "-h"])
{
    Console.WriteLine(Usage);
    Console.WriteLine("  Serves the Ververica Platform REST endpoints on 127.0.0.1 from an in-memory platform until stopped (Ctrl+C, SIGTERM).");
    Console.WriteLine("  --port N              the port (0, the default, picks a free one); the base address is printed first.");
    Console.WriteLine("  --token-file FILE     require this API token (Bearer), granted --role (default editor).");
    Console.WriteLine("  --platform-version V  the version system-info reports (default 2.7.1).");
    return 0;
}

if (args is ["--version"])
{
    Console.WriteLine($"vvp-emulator {typeof(PlatformEmulator).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown"}");
    return 0;
}

var port = 0;
string? tokenFile = null;
string? version = null;
var role = PlatformRole.Editor;
for (var i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--port" when i + 1 < args.Length && int.TryParse(args[i + 1], NumberStyles.None, CultureInfo.InvariantCulture, out var p) && p <= 65535:
            port = p;
            i++;
            break;
        case "--token-file" when i + 1 < args.Length:
            tokenFile = args[++i];
            break;
        case "--role" when i + 1 < args.Length && Enum.TryParse<PlatformRole>(args[i + 1], ignoreCase: true, out var r):
            role = r;
            i++;
            break;
        case "--platform-version" when i + 1 < args.Length && Version.TryParse(args[i + 1], out _):
            version = args[++i];
            break;
        default:
            Console.Error.WriteLine($"vvp-emulator: argument {i + 1} ('{args[i]}') is not understood. {Usage}");
            return 2;
    }
}

// It serves until stopped and nothing out of the process can read a record of its requests: it keeps none, only counts.
var platform = new InMemoryPlatform(new InMemoryPlatformOptions { RecordCalls = false });
if (tokenFile is not null)
{
    try
    {
        platform.AddToken(File.ReadAllText(tokenFile).Trim(), role);
    }
    catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or ArgumentException)
    {
        Console.Error.WriteLine($"vvp-emulator: the token file cannot be read: {ex.GetType().Name}.");
        return 2;
    }
}

PlatformEmulator emulator;
try
{
    emulator = await PlatformEmulator.StartAsync(platform, port);
}
catch (IOException ex) when (ex.InnerException is SocketException { SocketErrorCode: SocketError.AddressAlreadyInUse } || ex.Message.Contains("address already in use", StringComparison.OrdinalIgnoreCase))
{
    Console.Error.WriteLine($"vvp-emulator: port {port} on 127.0.0.1 is in use; choose another with --port (0 picks a free one).");
    return 2;
}

await using (emulator)
{
    emulator.RecordExchanges = false;
    if (version is not null)
    {
        emulator.Version = version;
    }

    Console.WriteLine(emulator.BaseAddress);
    using var stop = new CancellationTokenSource();
    // SIGINT (Ctrl+C) and SIGTERM (docker stop, kill) both stop it cleanly with exit code 0.
    using var sigint = PosixSignalRegistration.Create(PosixSignal.SIGINT, Stop);
    using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, Stop);
    try
    {
        await Task.Delay(Timeout.Infinite, stop.Token);
    }
    catch (OperationCanceledException)
    {
        // Stopped.
    }

    return 0;

    void Stop(PosixSignalContext context)
    {
        context.Cancel = true;
        stop.Cancel();
    }
}
