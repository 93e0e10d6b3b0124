using System.Globalization;
using Vvp.Reconciliation.Emulator;
using Vvp.Reconciliation.Testing;

// vvp-emulator [--port N] [--token-file FILE [--role viewer|editor|owner]]: serves the platform's REST
// endpoints on 127.0.0.1 from an in-memory platform until stopped (Ctrl+C).
var port = 0;
string? tokenFile = null;
var role = PlatformRole.Editor;
for (var i = 0; i < args.Length; i++)
{
    switch (args[i])
    {
        case "--port" when i + 1 < args.Length && int.TryParse(args[i + 1], NumberStyles.None, CultureInfo.InvariantCulture, out var p):
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
        default:
            Console.Error.WriteLine($"vvp-emulator: unknown argument '{args[i]}'. Usage: vvp-emulator [--port N] [--token-file FILE [--role viewer|editor|owner]]");
            return 2;
    }
}

var platform = new InMemoryPlatform();
if (tokenFile is not null)
{
    platform.AddToken(File.ReadAllText(tokenFile).Trim(), role);
}

await using var emulator = await PlatformEmulator.StartAsync(platform, port);
Console.WriteLine(emulator.BaseAddress);
using var stop = new CancellationTokenSource();
Console.CancelKeyPress += (_, e) =>
{
    e.Cancel = true;
    stop.Cancel();
};
try
{
    await Task.Delay(Timeout.Infinite, stop.Token);
}
catch (OperationCanceledException)
{
    // Stopped.
}

return 0;
