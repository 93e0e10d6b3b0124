using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Vvp.Reconciliation.Tests.Support;

/// <summary>
/// Runs an Argo CD health script with Lua 5.1 (Debian's <c>lua5.1</c>, the language Argo CD's gopher-lua speaks) on a
/// resource given as JSON, the way Argo CD does: the resource is the global <c>obj</c>, the script returns <c>hs</c>.
/// </summary>
internal static class Lua51
{
    public static string? Interpreter { get; } = ExecutablePath.Find("lua5.1");

    /// <summary>Skips the test when no Lua 5.1 is installed; under <c>CI=true</c> (where <c>.ci/run</c> installs it) fails instead.</summary>
    public static string Require()
    {
        if (Interpreter is null)
        {
            Environment.GetEnvironmentVariable("CI").Should().NotBe("true", "under CI=true .ci/run installs lua5.1");
            Skip.If(true, "lua5.1 is not installed (Debian package lua5.1; .ci/run installs it).");
        }

        return Interpreter!;
    }

    public static async Task<(string Status, string Message)> HealthAsync(string script, JsonNode resource)
    {
        var program = new StringBuilder()
            .Append("obj = ").Append(Literal(resource)).Append('\n')
            .Append("local function health()\n").Append(script).Append("\nend\n")
            .Append("local hs = health()\nio.write(tostring(hs.status), \"\\n\", tostring(hs.message))\n")
            .ToString();
        var file = Path.Combine(Path.GetTempPath(), $"vvp-health-{Guid.NewGuid():N}.lua");
        await File.WriteAllTextAsync(file, program);
        try
        {
            var info = new ProcessStartInfo(Require(), [file]) { RedirectStandardOutput = true, RedirectStandardError = true };
            using var process = Process.Start(info)!;
            var stdout = process.StandardOutput.ReadToEndAsync();
            var stderr = process.StandardError.ReadToEndAsync();
            await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(30));
            process.ExitCode.Should().Be(0, await stderr);
            var lines = (await stdout).Split('\n', 2);
            return (lines[0], lines.Length > 1 ? lines[1] : string.Empty);
        }
        finally
        {
            File.Delete(file);
        }
    }

    // A JSON tree as a Lua table constructor; JSON null is nil (an absent key), as Argo CD's conversion gives it.
    public static string Literal(JsonNode? node) => node switch
    {
        null => "nil",
        JsonObject obj => "{" + string.Join(", ", obj.Where(p => p.Value is not null).Select(p => $"[{Quote(p.Key)}] = {Literal(p.Value)}")) + "}",
        JsonArray array => "{" + string.Join(", ", array.Where(i => i is not null).Select(Literal)) + "}",
        JsonValue value => value.GetValueKind() switch
        {
            JsonValueKind.String => Quote(value.GetValue<string>()),
            JsonValueKind.True => "true",
            JsonValueKind.False => "false",
            _ => value.ToJsonString(),
        },
        _ => "nil",
    };

    private static string Quote(string text)
    {
        var builder = new StringBuilder("\"");
        foreach (var b in Encoding.UTF8.GetBytes(text))
        {
            builder.Append(b is >= 0x20 and < 0x7F and not (byte)'"' and not (byte)'\\' ? ((char)b).ToString() : "\\" + b.ToString("000", CultureInfo.InvariantCulture));
        }

        return builder.Append('"').ToString();
    }
}
