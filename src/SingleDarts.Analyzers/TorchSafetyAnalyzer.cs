using System.Collections.Immutable;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Diagnostics;
using Microsoft.CodeAnalysis.Operations;

namespace SingleDarts.Analyzers;

/// <summary>
/// Rules for code that calls TorchSharp 0.107. A TorchSharp Scalar is a native object freed by its
/// finalizer, and TorchSharp passes only its handle to libtorch without keeping the managed object
/// alive: a Scalar nobody owns can be finalized by a collection on another thread while libtorch
/// still reads it (seen: "Expected false to be true … toFloat at c10/core/Scalar.h" and silently
/// wrong results in long-lived silos). So every Scalar is owned — a <c>using</c> local, a field,
/// or a static one — and never created implicitly, neither by our code nor by a TorchSharp
/// overload that fills in a default. A fourth rule keeps every convolution behind the one seam that
/// routes around libtorch's faulty CPU kernel.
/// </summary>
[DiagnosticAnalyzer(LanguageNames.CSharp)]
public sealed class TorchSafetyAnalyzer : DiagnosticAnalyzer
{
    private const string Category = "Reliability";
    private const string ConvSeam = "SingleDarts.Search.Nn.Conv";

    public static readonly DiagnosticDescriptor ImplicitScalar = new(
        "SD1001", "Implicit Scalar",
        "Implicit conversion of '{0}' to a Scalar nobody owns; a collection can free it while libtorch reads it: use a static Scalar (Scalars.*) or a 'using var' from ToScalar()",
        Category, DiagnosticSeverity.Warning, isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor UnownedScalar = new(
        "SD1002", "Unowned Scalar",
        "This Scalar is not owned; keep it in a 'using' local or a disposed field so that it stays alive across the calls that use it",
        Category, DiagnosticSeverity.Warning, isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor HiddenScalar = new(
        "SD1003", "TorchSharp creates a temporary Scalar",
        "'{0}' lets TorchSharp make a temporary Scalar for '{1}' that nobody keeps alive; pass it yourself, such as Scalars.One",
        Category, DiagnosticSeverity.Warning, isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor ScalarRead = new(
        "SD1005", "Value read through a temporary Scalar",
        "'{0}' reads the tensor through a Scalar that nobody keeps alive; use Scalars.ValueOf or item<T>()",
        Category, DiagnosticSeverity.Warning, isEnabledByDefault: true);

    public static readonly DiagnosticDescriptor DirectConvolution = new(
        "SD1004", "Convolution outside the seam",
        "Call Conv.Conv2d (Nn/Conv.cs) instead of '{0}': libtorch's CPU convolution computes wrong input gradients for some channel counts and the route around it lives there",
        Category, DiagnosticSeverity.Warning, isEnabledByDefault: true);

    public override ImmutableArray<DiagnosticDescriptor> SupportedDiagnostics { get; } =
        ImmutableArray.Create(ImplicitScalar, UnownedScalar, HiddenScalar, DirectConvolution, ScalarRead);

    public override void Initialize(AnalysisContext context)
    {
        context.ConfigureGeneratedCodeAnalysis(GeneratedCodeAnalysisFlags.None);
        context.EnableConcurrentExecution();
        context.RegisterCompilationStartAction(start =>
        {
            var scalar = start.Compilation.GetTypeByMetadataName("TorchSharp.Scalar");
            if (scalar is null) return; // the project does not use TorchSharp
            var conv2dModule = start.Compilation.GetTypeByMetadataName("TorchSharp.Modules.Conv2d");
            start.RegisterOperationAction(c => CheckConversion(c, scalar), OperationKind.Conversion);
            start.RegisterOperationAction(c => CheckCreation(c, scalar), OperationKind.Invocation, OperationKind.ObjectCreation);
            start.RegisterOperationAction(c => CheckInvocation(c, scalar, conv2dModule), OperationKind.Invocation);
            start.RegisterOperationAction(CheckOperator, OperationKind.Binary, OperationKind.CompoundAssignment);
        });
    }

    private static void CheckConversion(OperationAnalysisContext c, INamedTypeSymbol scalar)
    {
        var conversion = (IConversionOperation)c.Operation;
        if (!conversion.Conversion.IsUserDefined || !IsScalar(conversion.Type, scalar)) return;
        if (conversion.IsImplicit)
            c.ReportDiagnostic(Diagnostic.Create(ImplicitScalar, conversion.Syntax.GetLocation(), conversion.Operand.Type?.ToDisplayString() ?? "value"));
        else if (!IsOwned(conversion))
            c.ReportDiagnostic(Diagnostic.Create(UnownedScalar, conversion.Syntax.GetLocation()));
    }

    private static void CheckCreation(OperationAnalysisContext c, INamedTypeSymbol scalar)
    {
        if (!IsScalar(c.Operation.Type, scalar) || IsOwned(c.Operation)) return;
        c.ReportDiagnostic(Diagnostic.Create(UnownedScalar, c.Operation.Syntax.GetLocation()));
    }

    private static void CheckInvocation(OperationAnalysisContext c, INamedTypeSymbol scalar, INamedTypeSymbol? conv2dModule)
    {
        var invocation = (IInvocationOperation)c.Operation;
        var method = invocation.TargetMethod;
        if (!IsTorchSharp(method.ContainingType)) return;

        var isConv = method.Name is "conv2d" || (conv2dModule is not null && SymbolEqualityComparer.Default.Equals(method.ReturnType, conv2dModule));
        if (isConv && !InsideType(c.ContainingSymbol, ConvSeam))
            c.ReportDiagnostic(Diagnostic.Create(DirectConvolution, invocation.Syntax.GetLocation(), method.Name));

        if (ReadsThroughScalar(method))
        {
            c.ReportDiagnostic(Diagnostic.Create(ScalarRead, invocation.Syntax.GetLocation(), method.Name));
            return;
        }

        foreach (var argument in invocation.Arguments)
            if (argument.ArgumentKind == ArgumentKind.DefaultValue && argument.Parameter is { } p && IsScalar(p.Type, scalar))
            {
                c.ReportDiagnostic(Diagnostic.Create(HiddenScalar, invocation.Syntax.GetLocation(), method.Name, p.Name));
                return;
            }

        var longer = method.ContainingType.GetMembers(method.Name).OfType<IMethodSymbol>()
            .FirstOrDefault(m => ExtendsWithScalars(method.OriginalDefinition, m.OriginalDefinition, scalar));
        if (longer is not null)
            c.ReportDiagnostic(Diagnostic.Create(HiddenScalar, invocation.Syntax.GetLocation(), method.Name,
                longer.Parameters[method.Parameters.Length].Name));
    }

    /// <summary>
    /// TorchSharp's operators hide Scalars: <c>a + b</c> is <c>add(b)</c> with an alpha of 1 (<c>a - b</c>
    /// is <c>sub(b)</c>, which has none), and an operator with a number converts it to a Scalar inside.
    /// </summary>
    private static void CheckOperator(OperationAnalysisContext c)
    {
        var (method, kind) = c.Operation switch
        {
            IBinaryOperation b => (b.OperatorMethod, b.OperatorKind),
            ICompoundAssignmentOperation a => (a.OperatorMethod, a.OperatorKind),
            _ => (null, BinaryOperatorKind.None),
        };
        if (method is null || !IsTorchSharp(method.ContainingType)) return;
        var number = method.Parameters.FirstOrDefault(p => IsNumber(p.Type));
        if (kind == BinaryOperatorKind.Add || number is not null)
            c.ReportDiagnostic(Diagnostic.Create(HiddenScalar, c.Operation.Syntax.GetLocation(), $"operator {OperatorToken(kind)}",
                number is null ? "alpha" : number.Name));
    }

    private static bool IsNumber(ITypeSymbol type) => type.SpecialType is SpecialType.System_Double or SpecialType.System_Single
        or SpecialType.System_Int32 or SpecialType.System_Int64 or SpecialType.System_Int16 or SpecialType.System_Byte
        or SpecialType.System_SByte or SpecialType.System_Boolean;

    private static string OperatorToken(BinaryOperatorKind kind) => kind switch
    {
        BinaryOperatorKind.Add => "+",
        BinaryOperatorKind.Subtract => "-",
        BinaryOperatorKind.Multiply => "*",
        BinaryOperatorKind.Divide => "/",
        _ => kind.ToString(),
    };

    /// <summary><c>Tensor.ToDouble()</c> and its kin convert through a Scalar they never dispose (use <c>item&lt;T&gt;()</c>).</summary>
    private static bool ReadsThroughScalar(IMethodSymbol method)
    {
        if (method.Name is not ("ToDouble" or "ToSingle" or "ToInt64" or "ToInt32" or "ToInt16" or "ToByte" or "ToSByte"
            or "ToBoolean" or "ToHalf" or "ToBFloat16" or "ToComplexFloat32" or "ToComplexFloat64")) return false;
        var receiver = method.ReducedFrom is { } extension ? extension.Parameters.FirstOrDefault()?.Type
            : method.IsExtensionMethod || method.IsStatic ? method.Parameters.FirstOrDefault()?.Type
            : method.ContainingType;
        return receiver?.Name == "Tensor";
    }

    /// <summary>True when <paramref name="longer"/> takes <paramref name="shorter"/>'s parameters followed by Scalars only.</summary>
    private static bool ExtendsWithScalars(IMethodSymbol shorter, IMethodSymbol longer, INamedTypeSymbol scalar)
    {
        if (longer.IsStatic != shorter.IsStatic || longer.Parameters.Length <= shorter.Parameters.Length) return false;
        for (var i = 0; i < shorter.Parameters.Length; i++)
            if (!SymbolEqualityComparer.Default.Equals(shorter.Parameters[i].Type, longer.Parameters[i].Type)) return false;
        for (var i = shorter.Parameters.Length; i < longer.Parameters.Length; i++)
            if (!IsScalar(longer.Parameters[i].Type, scalar)) return false;
        return true;
    }

    /// <summary>A using local, a field or property (its owner disposes it), or returned to a caller that owns it.</summary>
    private static bool IsOwned(IOperation created)
    {
        var op = created;
        while (op.Parent is IConversionOperation or IParenthesizedOperation) op = op.Parent;
        switch (op.Parent)
        {
            case IVariableInitializerOperation init:
                return init.Parent is IVariableDeclaratorOperation declarator
                    && declarator.Parent is IVariableDeclarationOperation declaration
                    && declaration.Parent is IVariableDeclarationGroupOperation { Parent: IUsingOperation or IUsingDeclarationOperation }
                        or IUsingOperation or IUsingDeclarationOperation;
            case IFieldInitializerOperation or IPropertyInitializerOperation or IReturnOperation:
                return true;
            case ISimpleAssignmentOperation assignment when assignment.Value == op:
                return assignment.Target is IFieldReferenceOperation or IPropertyReferenceOperation;
            default:
                return false;
        }
    }

    private static bool IsScalar(ITypeSymbol? type, INamedTypeSymbol scalar)
    {
        if (type is INamedTypeSymbol { OriginalDefinition.SpecialType: SpecialType.System_Nullable_T } nullable)
            type = nullable.TypeArguments[0];
        return SymbolEqualityComparer.Default.Equals(type?.WithNullableAnnotation(NullableAnnotation.None), scalar);
    }

    private static bool IsTorchSharp(INamedTypeSymbol? type)
    {
        for (var ns = type?.ContainingNamespace; ns is not null && !ns.IsGlobalNamespace; ns = ns.ContainingNamespace)
            if (ns.Name == "TorchSharp" && ns.ContainingNamespace.IsGlobalNamespace) return true;
        return false;
    }

    private static bool InsideType(ISymbol? symbol, string fullName)
    {
        for (var type = symbol as INamedTypeSymbol ?? symbol?.ContainingType; type is not null; type = type.ContainingType)
            if (type.ToDisplayString() == fullName) return true;
        return false;
    }
}
