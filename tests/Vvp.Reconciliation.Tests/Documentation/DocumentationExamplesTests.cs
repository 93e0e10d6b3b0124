using System.Text.RegularExpressions;
using Vvp.Reconciliation.Tests.Support;

namespace Vvp.Reconciliation.Tests.Documentation;

/// <summary>
/// Every C# block of README.md and docs/*.md, compiled and run as it stands in a consumer project outside the
/// repository, against the packages packed from this build on a local feed — as a new user would paste it.
/// </summary>
public sealed partial class DocumentationExamplesTests
{
    private static readonly string Root = DocumentationFiles.Root;

    public static TheoryData<string, int> Blocks() => DocumentationFiles.Blocks(CSharpBlock());

    [Fact]
    public void The_README_has_runnable_examples() => Blocks().Count.Should().BeGreaterThanOrEqualTo(2);

    [Theory]
    [MemberData(nameof(Blocks))]
    public async Task Every_CSharp_block_compiles_and_runs_as_pasted_against_the_packed_packages(string file, int index)
    {
        var code = CSharpBlock().Matches(File.ReadAllText(Path.Combine(Root, file)))[index].Groups["code"].Value;
        var consumer = await Consumer.Value;
        var folder = Path.Combine(consumer, $"example-{Path.GetFileNameWithoutExtension(file)}-{index}");
        Directory.CreateDirectory(folder);
        File.Copy(Path.Combine(consumer, "Consumer.csproj"), Path.Combine(folder, "Consumer.csproj"), overwrite: true);
        File.Copy(Path.Combine(consumer, "nuget.config"), Path.Combine(folder, "nuget.config"), overwrite: true);
        await File.WriteAllTextAsync(Path.Combine(folder, "Program.cs"), code);

        var (exit, output) = await DotnetAsync(folder, "run", "-c", "Release");

        exit.Should().Be(0, output);
        if (file == "README.md" && index == 0)
        {
            output.Should().Contain("SYNCING", "the README's example reconciles the documentation's CR");
        }
    }

    [Theory]
    [MemberData(nameof(Blocks))]
    public async Task Every_CSharp_block_builds_for_a_net8_consumer_on_its_default_language_version(string file, int index)
    {
        // net8.0 is a shipped target: its default C# 12 knows no params spans and no newer syntax. Built, not run (no
        // net8.0 runtime is needed for that, and no app host).
        var code = CSharpBlock().Matches(File.ReadAllText(Path.Combine(Root, file)))[index].Groups["code"].Value;
        var consumer = await Consumer.Value;
        var folder = Path.Combine(consumer, $"net8-{Path.GetFileNameWithoutExtension(file)}-{index}");
        Directory.CreateDirectory(folder);
        var project = await File.ReadAllTextAsync(Path.Combine(consumer, "Consumer.csproj"));
        await File.WriteAllTextAsync(Path.Combine(folder, "Consumer.csproj"), project.Replace("<TargetFramework>net10.0</TargetFramework>", "<TargetFramework>net8.0</TargetFramework><UseAppHost>false</UseAppHost>", StringComparison.Ordinal));
        File.Copy(Path.Combine(consumer, "nuget.config"), Path.Combine(folder, "nuget.config"), overwrite: true);
        await File.WriteAllTextAsync(Path.Combine(folder, "Program.cs"), code);

        var (exit, output) = await DotnetAsync(folder, "build", "-c", "Release");

        exit.Should().Be(0, output);
        project.Should().NotContain("LangVersion", "the consumer keeps the default language version of its target");
    }

    private static readonly Lazy<Task<string>> Consumer = new(PrepareConsumerAsync);

    // A consumer project that restores the packages of this build from their local feed alone: their dependencies
    // come from the cache the repository's own restore filled, so nothing reaches the network.
    private static async Task<string> PrepareConsumerAsync()
    {
        var (feed, version) = await PackedPackages.FeedAsync();
        var work = Directory.CreateTempSubdirectory("vvp-consumer-").FullName;
        await File.WriteAllTextAsync(Path.Combine(work, "Consumer.csproj"), $"""
            <Project Sdk="Microsoft.NET.Sdk">
              <PropertyGroup>
                <OutputType>Exe</OutputType>
                <TargetFramework>net10.0</TargetFramework>
                <ImplicitUsings>enable</ImplicitUsings>
                <Nullable>enable</Nullable>
                <TreatWarningsAsErrors>true</TreatWarningsAsErrors>
                <NoWarn>$(NoWarn);NU1603</NoWarn>
              </PropertyGroup>
              <ItemGroup>
                <PackageReference Include="Vvp.Reconciliation" Version="{version}" />
                <PackageReference Include="Vvp.Reconciliation.Http" Version="{version}" />
                <PackageReference Include="Vvp.Reconciliation.Testing" Version="{version}" />
                <PackageReference Include="Vvp.Reconciliation.Kubernetes" Version="{version}" />
                <PackageReference Include="Vvp.Reconciliation.Kubernetes.Testing" Version="{version}" />
              </ItemGroup>
            </Project>
            """);
        await File.WriteAllTextAsync(Path.Combine(work, "nuget.config"), $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <clear />
                <add key="local" value="{feed}" />
              </packageSources>
            </configuration>
            """);
        return work;
    }

    private static Task<(int Exit, string Output)> DotnetAsync(string folder, params string[] args) => PackedPackages.DotnetAsync(folder, args);

    [GeneratedRegex("```csharp\\n(?<code>.*?)```", RegexOptions.Singleline)]
    private static partial Regex CSharpBlock();
}
