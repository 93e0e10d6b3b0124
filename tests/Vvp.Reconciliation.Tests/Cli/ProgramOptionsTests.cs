using System.Diagnostics;

namespace Vvp.Reconciliation.Tests.Cli;

/// <summary>
/// Every program this repository ships or documents answers <c>--help</c> and <c>--version</c> (exit 0, starting
/// nothing) and refuses an option it does not know (exit 2, naming it) instead of running with a default.
/// </summary>
public sealed class ProgramOptionsTests
{
    public static TheoryData<string, string> Programs() => new()
    {
        { "vvp-operator", "--jsonlog" },
        { "vvp-operator-local", "--jsonlog" },
        { "vvp-emulator", "--prot" },
        { "vvp-reconcile", "--bogus" },
        { "vvp-stress", "fuzz --cses" },
    };

    [Theory]
    [MemberData(nameof(Programs))]
    public async Task Version_prints_the_programs_name_and_version_and_starts_nothing(string program, string unknown)
    {
        _ = unknown;
        var (exit, stdout, _) = await RunAsync(program, "--version");

        exit.Should().Be(0);
        stdout.Trim().Should().MatchRegex($@"^{program} \d+\.\d+\.\d+(\+[0-9a-f]+)?$");
    }

    [Theory]
    [MemberData(nameof(Programs))]
    public async Task Help_prints_the_usage(string program, string unknown)
    {
        _ = unknown;
        var (exit, stdout, _) = await RunAsync(program, "--help");

        exit.Should().Be(0);
        stdout.Should().Contain("Usage").And.Contain(program);
    }

    [Theory]
    [MemberData(nameof(Programs))]
    public async Task An_unknown_option_is_refused_with_exit_code_2_naming_it(string program, string unknown)
    {
        var (exit, stdout, stderr) = await RunAsync(program, unknown.Split(' '));

        exit.Should().Be(2, stdout + stderr);
        stderr.Should().Contain(unknown.Split(' ')[^1]);
    }

    [Fact]
    public async Task The_fleet_refuses_a_listing_mode_it_does_not_know_with_exit_code_2_naming_it()
    {
        var (exit, stdout, stderr) = await RunAsync("vvp-stress", "fleet", "--list", "5");

        exit.Should().Be(2, stdout + stderr);
        stderr.Should().Contain("--list 5 is neither 0 (a GET per CR) nor 1 (a LIST per namespace)");
        stdout.Should().BeEmpty("nothing was started");
    }

    private static async Task<(int Exit, string Stdout, string Stderr)> RunAsync(string program, params string[] args)
    {
        var info = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet") { RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, program + ".dll"));
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        info.Environment["KUBERNETES_SERVICE_HOST"] = null;
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(60));
        return (process.ExitCode, await stdout, await stderr);
    }
}
