using System.Text.Json.Nodes;
using Vvp.Reconciliation.Json;

namespace Vvp.Reconciliation.Tests.Json;

/// <summary>Values backed by CLR objects (as the YAML reader and code build them) against parsed ones (as the platform answers).</summary>
public sealed class CrossKindEqualityTests
{
    [Theory]
    [InlineData("abc", "\"abc\"", true)]
    [InlineData("abc", "\"abd\"", false)]
    [InlineData("a\"b/é", "\"a\\\"b\\/\\u00e9\"", true)]
    [InlineData("", "\"\"", true)]
    [InlineData("1", "1", false)]
    [InlineData("abc", "\"ab\"", false)]
    [InlineData("ab", "\"abc\"", false)]
    [InlineData("abc", "\"ab\\u0063\"", true)]
    [InlineData("abd", "\"ab\\u0063\"", false)]
    [InlineData("é", "\"é\"", true)]
    [InlineData("e", "\"é\"", false)]
    [InlineData("é", "\"e\"", false)]
    [InlineData("日本語 jar", "\"日本語 jar\"", true)]
    [InlineData("true", "true", false)]
    [InlineData("null", "null", false)]
    [InlineData("s3://bucket/dependency-1.jar", "\"s3://bucket/dependency-1.jar\"", true)]
    [InlineData("s3://bucket/dependency-1.jar", "\"s3://bucket/dependency-2.jar\"", false)]
    public void A_CLR_string_equals_a_parsed_string_by_its_value(string clr, string parsed, bool equal)
    {
        JsonEquality.Equals(JsonValue.Create(clr), JsonNode.Parse(parsed)).Should().Be(equal);
        JsonEquality.Equals(JsonNode.Parse(parsed), JsonValue.Create(clr)).Should().Be(equal);
    }

    [Theory]
    [InlineData(7L, "7", true)]
    [InlineData(7L, "7.0", true)]
    [InlineData(7L, "7e0", true)]
    [InlineData(7L, "8", false)]
    [InlineData(-9007199254740993L, "-9007199254740993", true)]
    [InlineData(9007199254740993L, "9007199254740992", false)]
    public void A_CLR_integer_equals_a_parsed_number_by_its_mathematical_value(long clr, string parsed, bool equal)
    {
        JsonEquality.Equals(JsonValue.Create(clr), JsonNode.Parse(parsed)).Should().Be(equal);
        JsonEquality.Equals(JsonNode.Parse(parsed), JsonValue.Create((int)Math.Clamp(clr, int.MinValue, int.MaxValue))).Should().Be(equal && clr is >= int.MinValue and <= int.MaxValue);
    }

    [Fact]
    public void Comparing_a_CLR_string_with_a_parsed_one_allocates_nothing()
    {
        var clr = JsonValue.Create("file:///flink/examples/streaming/TopSpeedWindowing.jar");
        var parsed = JsonNode.Parse("\"file:///flink/examples/streaming/TopSpeedWindowing.jar\"")!;
        var number = JsonValue.Create(99L);
        var parsedNumber = JsonNode.Parse("99")!;
        JsonEquality.Equals(clr, parsed);
        JsonEquality.Equals(number, parsedNumber);

        var equal = true;
        var before = GC.GetAllocatedBytesForCurrentThread();
        for (var i = 0; i < 100; i++)
        {
            equal &= JsonEquality.Equals(clr, parsed) && JsonEquality.Equals(number, parsedNumber);
        }

        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;
        equal.Should().BeTrue();
        allocated.Should().BeLessThan(100 * 24, "no string or number text is built per comparison");
    }
}
