using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace Vvp.Reconciliation.Resources;

[JsonSerializable(typeof(JsonObject))]
internal sealed partial class ValidationJsonContext : JsonSerializerContext;
