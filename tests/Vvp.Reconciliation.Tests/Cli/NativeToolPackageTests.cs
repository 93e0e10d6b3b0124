using System.IO.Compression;
using System.Xml.Linq;

namespace Vvp.Reconciliation.Tests.Cli;

/// <summary>
/// <c>vvp-reconcile</c> as a .NET tool: a pointer package naming a Native AOT package for linux-x64 and a portable one
/// for everything else, packed by <c>.ci/run</c> into the feed <c>VVP_RECONCILE_TOOL_FEED</c> names, and installed with
/// <c>dotnet tool install</c> as <c>VVP_RECONCILE_NATIVE</c>. Skipped where they were not packed; under <c>CI=true</c>
/// that fails instead.
/// </summary>
public sealed class NativeToolPackageTests
{
    [SkippableFact]
    public void The_tool_is_one_pointer_package_a_native_linux_x64_package_and_a_portable_fallback()
    {
        var feed = Feed();

        var pointer = Package(feed, "Vvp.Reconciliation.Cli.0.");
        var native = Package(feed, "Vvp.Reconciliation.Cli.linux-x64.");
        var portable = Package(feed, "Vvp.Reconciliation.Cli.any.");

        var settings = XDocument.Parse(Entry(pointer, "tools/any/any/DotnetToolSettings.xml"));
        settings.Descendants("Command").Single().Attribute("Name")!.Value.Should().Be("vvp-reconcile");
        settings.Descendants("RuntimeIdentifierPackage").Select(e => (e.Attribute("RuntimeIdentifier")!.Value, e.Attribute("Id")!.Value))
            .Should().BeEquivalentTo([("linux-x64", "Vvp.Reconciliation.Cli.linux-x64"), ("any", "Vvp.Reconciliation.Cli.any")]);
        PackageTypes(pointer).Should().Equal("DotnetTool");
        PackageTypes(native).Should().Equal("DotnetToolRidPackage");
        PackageTypes(portable).Should().Equal("DotnetToolRidPackage");

        using (var zip = ZipFile.OpenRead(native))
        {
            zip.Entries.Should().NotContain(e => e.FullName.EndsWith(".dll", StringComparison.Ordinal), "the native tool carries no managed code");
            using var binary = zip.GetEntry("tools/any/linux-x64/vvp-reconcile")!.Open();
            IsElf(binary).Should().BeTrue();
        }

        using (var zip = ZipFile.OpenRead(portable))
        {
            zip.Entries.Should().Contain(e => e.FullName.EndsWith("/vvp-reconcile.dll", StringComparison.Ordinal), "the portable tool runs on any .NET 10 runtime");
        }
    }

    [SkippableFact]
    public void Dotnet_tool_install_gave_the_native_binary_on_linux_x64()
    {
        Feed();
        var installed = Environment.GetEnvironmentVariable("VVP_RECONCILE_NATIVE")!;

        var target = new FileInfo(installed).ResolveLinkTarget(returnFinalTarget: true)?.FullName ?? installed;

        target.Should().Contain($"{Path.DirectorySeparatorChar}.store{Path.DirectorySeparatorChar}").And.Contain("vvp.reconciliation.cli.linux-x64");
        using var binary = File.OpenRead(target);
        IsElf(binary).Should().BeTrue();
        Directory.GetFiles(Path.GetDirectoryName(target)!, "*.dll").Should().BeEmpty();
    }

    private static string Feed()
    {
        var feed = Environment.GetEnvironmentVariable("VVP_RECONCILE_TOOL_FEED");
        if (feed is null)
        {
            Environment.GetEnvironmentVariable("CI").Should().NotBe("true", "under CI=true .ci/run packs and installs the tool");
            Skip.If(true, "VVP_RECONCILE_TOOL_FEED does not name the feed .ci/run packs the tool into.");
        }

        return feed!;
    }

    private static string Package(string feed, string prefix) =>
        Directory.GetFiles(feed, prefix + "*.nupkg").Should().ContainSingle(prefix).Which;

    private static string Entry(string package, string name)
    {
        using var zip = ZipFile.OpenRead(package);
        using var reader = new StreamReader(zip.GetEntry(name)!.Open());
        return reader.ReadToEnd();
    }

    private static List<string> PackageTypes(string package)
    {
        using var zip = ZipFile.OpenRead(package);
        using var reader = new StreamReader(zip.Entries.Single(e => e.FullName.EndsWith(".nuspec", StringComparison.Ordinal)).Open());
        return [.. XDocument.Parse(reader.ReadToEnd()).Descendants().Where(e => e.Name.LocalName == "packageType").Select(e => e.Attribute("name")!.Value)];
    }

    private static bool IsElf(Stream stream)
    {
        var magic = new byte[4];
        return stream.ReadAtLeast(magic, 4, throwOnEndOfStream: false) == 4 && magic is [0x7F, (byte)'E', (byte)'L', (byte)'F'];
    }
}
