// Written by scripts/print_table.py from PyTorch 2.15.0; do not edit.

nncore::sequential! { #[input(4)] struct Row0(Linear(4, 3)); }
nncore::sequential! { #[input(4)] struct Row1(Linear(4, 3, bias = false)); }
nncore::sequential! { #[input(4)] struct Row2(Linear(in_features = 4, out_features = 3, bias = true)); }
nncore::sequential! { #[input(3, 16)] struct Row3(Conv1d(3, 6, 5)); }
nncore::sequential! { #[input(3, 16)] struct Row4(Conv1d(3, 6, 5, padding = "same", bias = false)); }
nncore::sequential! { #[input(3, 16)] struct Row5(Conv1d(3, 6, 5, padding = "valid")); }
nncore::sequential! { #[input(3, 16)] struct Row6(Conv1d(3, 6, 1, padding = "same")); }
nncore::sequential! { #[input(3, 16)] struct Row7(Conv1d(3, 6, (5,), stride = (2,), padding = (1,))); }
nncore::sequential! { #[input(3, 16)] struct Row8(Conv1d(3, 6, 3, 2, 1)); }
nncore::sequential! { #[input(4, 16)] struct Row9(Conv1d(4, 8, 3, dilation = 2, groups = 2)); }
nncore::sequential! { #[input(4, 16)] struct Row10(Conv1d(4, 4, 3, padding = 0, groups = 4, bias = false, padding_mode = "zeros")); }
nncore::sequential! { #[input(3, 8, 8)] struct Row11(Conv2d(3, 6, 3)); }
nncore::sequential! { #[input(3, 8, 8)] struct Row12(Conv2d(3, 6, (3, 5), stride = (1, 2), padding = (1, 2))); }
nncore::sequential! { #[input(3, 8, 8)] struct Row13(Conv2d(3, 6, 3, padding = "same")); }
nncore::sequential! { #[input(3, 8, 8)] struct Row14(Conv2d(3, 6, 3, padding = "valid", bias = false)); }
nncore::sequential! { #[input(3, 8, 8)] struct Row15(Conv2d(3, 6, (1, 3), padding = "same")); }
nncore::sequential! { #[input(4, 16, 16)] struct Row16(Conv2d(4, 8, 3, stride = 2, padding = 1, dilation = 2, groups = 2, bias = false)); }
nncore::sequential! { #[input(4, 8, 8)] struct Row17(Conv2d(in_channels = 4, out_channels = 4, kernel_size = 3, groups = 4)); }
nncore::sequential! { #[input(3, 16)] struct Row18(MaxPool1d(2)); }
nncore::sequential! { #[input(3, 16)] struct Row19(MaxPool1d((2,))); }
nncore::sequential! { #[input(3, 16)] struct Row20(MaxPool1d(3, stride = 2, padding = 1)); }
nncore::sequential! { #[input(3, 16)] struct Row21(MaxPool1d(3, 1, 1)); }
nncore::sequential! { #[input(3, 16)] struct Row22(MaxPool1d(kernel_size = (3,), stride = (2,), padding = (1,))); }
nncore::sequential! { #[input(3, 16)] struct Row23(MaxPool1d(2, stride = None, dilation = 1, ceil_mode = false)); }
nncore::sequential! { #[input(3, 8, 8)] struct Row24(MaxPool2d(2)); }
nncore::sequential! { #[input(3, 8, 8)] struct Row25(MaxPool2d((2, 2))); }
nncore::sequential! { #[input(3, 8, 8)] struct Row26(MaxPool2d((2, 3))); }
nncore::sequential! { #[input(3, 8, 8)] struct Row27(MaxPool2d(3, stride = 2, padding = 1)); }
nncore::sequential! { #[input(3, 8, 8)] struct Row28(MaxPool2d(2, stride = (1, 2))); }
nncore::sequential! { #[input(3, 8, 8)] struct Row29(MaxPool2d(3, stride = 1, padding = (1, 0))); }
nncore::sequential! { #[input(3, 8, 8)] struct Row30(MaxPool2d((2, 2), stride = None)); }
nncore::sequential! { #[input(3, 16)] struct Row31(AvgPool1d(2)); }
nncore::sequential! { #[input(3, 16)] struct Row32(AvgPool1d((2,))); }
nncore::sequential! { #[input(3, 16)] struct Row33(AvgPool1d(3, stride = 1, padding = 1)); }
nncore::sequential! { #[input(3, 8, 8)] struct Row34(AvgPool2d(2)); }
nncore::sequential! { #[input(3, 8, 8)] struct Row35(AvgPool2d((2, 2))); }
nncore::sequential! { #[input(3, 8, 8)] struct Row36(AvgPool2d((2, 3), stride = (1, 2))); }
nncore::sequential! { #[input(3, 8, 8)] struct Row37(AvgPool2d(3, stride = 1, padding = 1, ceil_mode = false, count_include_pad = true)); }
nncore::sequential! { #[input(3, 16)] struct Row38(AdaptiveAvgPool1d(1)); }
nncore::sequential! { #[input(3, 16)] struct Row39(AdaptiveAvgPool1d((1,))); }
nncore::sequential! { #[input(3, 16)] struct Row40(AdaptiveAvgPool1d(output_size = 5)); }
nncore::sequential! { #[input(3, 8, 8)] struct Row41(AdaptiveAvgPool2d(1)); }
nncore::sequential! { #[input(3, 8, 8)] struct Row42(AdaptiveAvgPool2d((1, 1))); }
nncore::sequential! { #[input(3, 8, 8)] struct Row43(AdaptiveAvgPool2d((2, 3))); }
nncore::sequential! { #[input(3, 16)] struct Row44(ZeroPad1d(1)); }
nncore::sequential! { #[input(3, 16)] struct Row45(ZeroPad1d((2, 0))); }
nncore::sequential! { #[input(3, 8, 8)] struct Row46(ZeroPad2d(1)); }
nncore::sequential! { #[input(3, 8, 8)] struct Row47(ZeroPad2d((1, 1, 2, 0))); }
nncore::sequential! { #[input(3, 8, 8)] struct Row48(ZeroPad2d(padding = (0, 1, 0, 1))); }
nncore::sequential! { #[input(4)] struct Row49(BatchNorm1d(4)); }
nncore::sequential! { #[input(4)] struct Row50(BatchNorm1d(4, eps = 1e-3, momentum = 0.01)); }
nncore::sequential! { #[input(4)] struct Row51(BatchNorm1d(4, eps = 1, momentum = 1)); }
nncore::sequential! { #[input(4)] struct Row52(BatchNorm1d(4, 0.001, 0.2, true, true)); }
nncore::sequential! { #[input(4, 16)] struct Row53(BatchNorm1d(num_features = 4, affine = true, track_running_stats = true)); }
nncore::sequential! { #[input(3, 8, 8)] struct Row54(BatchNorm2d(3)); }
nncore::sequential! { #[input(3, 8, 8)] struct Row55(BatchNorm2d(3, eps = 1e-3, momentum = 0.99)); }
nncore::sequential! { #[input(3, 8, 8)] struct Row56(BatchNorm2d(3, eps = 0.00001)); }
nncore::sequential! { #[input(4)] struct Row57(Dropout); }
nncore::sequential! { #[input(4)] struct Row58(Dropout(0.2)); }
nncore::sequential! { #[input(4)] struct Row59(Dropout(p = 0.25)); }
nncore::sequential! { #[input(4)] struct Row60(Dropout(1)); }
nncore::sequential! { #[input(4)] struct Row61(Dropout(0)); }
nncore::sequential! { #[input(4)] struct Row62(Dropout(0.2, inplace = true)); }
nncore::sequential! { #[input(4)] struct Row63(Dropout(0.2, true)); }
nncore::sequential! { #[input(4)] struct Row64(Dropout(inplace = false)); }
nncore::sequential! { #[input(3, 4, 4)] struct Row65(Flatten); }
nncore::sequential! { #[input(3, 4, 4)] struct Row66(Flatten()); }
nncore::sequential! { #[input(3, 4, 4)] struct Row67(Flatten(start_dim = 1, end_dim = -1)); }
nncore::sequential! { #[input(3, 4, 4)] struct Row68(Flatten(1)); }
nncore::sequential! { #[input(4)] struct Row69(Tanh); }
nncore::sequential! { #[input(4)] struct Row70(ReLU); }
nncore::sequential! { #[input(4)] struct Row71(ReLU(inplace = true)); }
nncore::sequential! { #[input(4)] struct Row72(ReLU(true)); }
nncore::sequential! { #[input(4)] struct Row73(ReLU(inplace = false)); }
nncore::sequential! { #[input(4)] struct Row74(ReLU6); }
nncore::sequential! { #[input(4)] struct Row75(ReLU6(inplace = true)); }
nncore::sequential! { #[input(4)] struct Row76(Sigmoid); }
nncore::sequential! { #[input(4)] struct Row77(LeakyReLU); }
nncore::sequential! { #[input(4)] struct Row78(LeakyReLU(0.1)); }
nncore::sequential! { #[input(4)] struct Row79(LeakyReLU(negative_slope = 1)); }
nncore::sequential! { #[input(4)] struct Row80(LeakyReLU(0.2, inplace = true)); }
nncore::sequential! { #[input(4)] struct Row81(LeakyReLU(0.2, true)); }
nncore::sequential! { #[input(4)] struct Row82(LeakyReLU(-0.5)); }
nncore::sequential! { #[input(4)] struct Row83(LeakyReLU(0.123456789)); }
nncore::sequential! { #[input(4)] struct Row84(GELU); }
nncore::sequential! { #[input(4)] struct Row85(GELU(approximate = "tanh")); }
nncore::sequential! { #[input(4)] struct Row86(GELU(approximate = "none")); }
nncore::sequential! { #[input(4)] struct Row87(SiLU); }
nncore::sequential! { #[input(4)] struct Row88(SiLU(inplace = true)); }
nncore::sequential! { #[input(4)] struct Row89(Softplus); }
nncore::sequential! { #[input(4)] struct Row90(Softplus(beta = 2, threshold = 10)); }
nncore::sequential! { #[input(4)] struct Row91(Softplus(2.0, 10.0)); }
nncore::sequential! { #[input(4)] struct Row92(Softplus(beta = 0.5)); }
nncore::sequential! { #[input(4)] struct Row93(Softplus(threshold = 5)); }
nncore::sequential! { #[input(4)] struct Row94(ELU); }
nncore::sequential! { #[input(4)] struct Row95(ELU(0.5)); }
nncore::sequential! { #[input(4)] struct Row96(ELU(alpha = 1)); }
nncore::sequential! { #[input(4)] struct Row97(ELU(inplace = true)); }
nncore::sequential! { #[input(4)] struct Row98(ELU(2, true)); }
nncore::sequential! { #[input(4)] struct Row99(Hardswish); }
nncore::sequential! { #[input(4)] struct Row100(Hardswish(inplace = true)); }
nncore::sequential! { #[input(4)] struct Row101(Hardsigmoid); }
nncore::sequential! { #[input(4)] struct Row102(Hardsigmoid(true)); }
nncore::sequential! { #[input(4)] struct Row103(Identity); }
nncore::sequential! { #[input(4)] struct Row104(Softmax(dim = 1)); }
nncore::sequential! { #[input(4)] struct Row105(Softmax(dim = -1)); }
nncore::sequential! { #[input(4)] struct Row106(LogSoftmax(dim = 1)); }
nncore::sequential! { #[input(4)] struct Row107(LogSoftmax(-1)); }

/// Each row: the layer as declared, PyTorch's `print` of it, and the model's printed form.
fn rows() -> Vec<(&'static str, &'static str, String)> {
    vec![
        ("Linear(4, 3)", "Linear(in_features=4, out_features=3, bias=True)", Row0::ZERO.to_string()),
        ("Linear(4, 3, bias = false)", "Linear(in_features=4, out_features=3, bias=False)", Row1::ZERO.to_string()),
        ("Linear(in_features = 4, out_features = 3, bias = true)", "Linear(in_features=4, out_features=3, bias=True)", Row2::ZERO.to_string()),
        ("Conv1d(3, 6, 5)", "Conv1d(3, 6, kernel_size=(5,), stride=(1,))", Row3::ZERO.to_string()),
        ("Conv1d(3, 6, 5, padding = \"same\", bias = false)", "Conv1d(3, 6, kernel_size=(5,), stride=(1,), padding=same, bias=False)", Row4::ZERO.to_string()),
        ("Conv1d(3, 6, 5, padding = \"valid\")", "Conv1d(3, 6, kernel_size=(5,), stride=(1,), padding=valid)", Row5::ZERO.to_string()),
        ("Conv1d(3, 6, 1, padding = \"same\")", "Conv1d(3, 6, kernel_size=(1,), stride=(1,), padding=same)", Row6::ZERO.to_string()),
        ("Conv1d(3, 6, (5,), stride = (2,), padding = (1,))", "Conv1d(3, 6, kernel_size=(5,), stride=(2,), padding=(1,))", Row7::ZERO.to_string()),
        ("Conv1d(3, 6, 3, 2, 1)", "Conv1d(3, 6, kernel_size=(3,), stride=(2,), padding=(1,))", Row8::ZERO.to_string()),
        ("Conv1d(4, 8, 3, dilation = 2, groups = 2)", "Conv1d(4, 8, kernel_size=(3,), stride=(1,), dilation=(2,), groups=2)", Row9::ZERO.to_string()),
        ("Conv1d(4, 4, 3, padding = 0, groups = 4, bias = false, padding_mode = \"zeros\")", "Conv1d(4, 4, kernel_size=(3,), stride=(1,), groups=4, bias=False)", Row10::ZERO.to_string()),
        ("Conv2d(3, 6, 3)", "Conv2d(3, 6, kernel_size=(3, 3), stride=(1, 1))", Row11::ZERO.to_string()),
        ("Conv2d(3, 6, (3, 5), stride = (1, 2), padding = (1, 2))", "Conv2d(3, 6, kernel_size=(3, 5), stride=(1, 2), padding=(1, 2))", Row12::ZERO.to_string()),
        ("Conv2d(3, 6, 3, padding = \"same\")", "Conv2d(3, 6, kernel_size=(3, 3), stride=(1, 1), padding=same)", Row13::ZERO.to_string()),
        ("Conv2d(3, 6, 3, padding = \"valid\", bias = false)", "Conv2d(3, 6, kernel_size=(3, 3), stride=(1, 1), padding=valid, bias=False)", Row14::ZERO.to_string()),
        ("Conv2d(3, 6, (1, 3), padding = \"same\")", "Conv2d(3, 6, kernel_size=(1, 3), stride=(1, 1), padding=same)", Row15::ZERO.to_string()),
        ("Conv2d(4, 8, 3, stride = 2, padding = 1, dilation = 2, groups = 2, bias = false)", "Conv2d(4, 8, kernel_size=(3, 3), stride=(2, 2), padding=(1, 1), dilation=(2, 2), groups=2, bias=False)", Row16::ZERO.to_string()),
        ("Conv2d(in_channels = 4, out_channels = 4, kernel_size = 3, groups = 4)", "Conv2d(4, 4, kernel_size=(3, 3), stride=(1, 1), groups=4)", Row17::ZERO.to_string()),
        ("MaxPool1d(2)", "MaxPool1d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)", Row18::ZERO.to_string()),
        ("MaxPool1d((2,))", "MaxPool1d(kernel_size=(2,), stride=(2,), padding=0, dilation=1, ceil_mode=False)", Row19::ZERO.to_string()),
        ("MaxPool1d(3, stride = 2, padding = 1)", "MaxPool1d(kernel_size=3, stride=2, padding=1, dilation=1, ceil_mode=False)", Row20::ZERO.to_string()),
        ("MaxPool1d(3, 1, 1)", "MaxPool1d(kernel_size=3, stride=1, padding=1, dilation=1, ceil_mode=False)", Row21::ZERO.to_string()),
        ("MaxPool1d(kernel_size = (3,), stride = (2,), padding = (1,))", "MaxPool1d(kernel_size=(3,), stride=(2,), padding=(1,), dilation=1, ceil_mode=False)", Row22::ZERO.to_string()),
        ("MaxPool1d(2, stride = None, dilation = 1, ceil_mode = false)", "MaxPool1d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)", Row23::ZERO.to_string()),
        ("MaxPool2d(2)", "MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)", Row24::ZERO.to_string()),
        ("MaxPool2d((2, 2))", "MaxPool2d(kernel_size=(2, 2), stride=(2, 2), padding=0, dilation=1, ceil_mode=False)", Row25::ZERO.to_string()),
        ("MaxPool2d((2, 3))", "MaxPool2d(kernel_size=(2, 3), stride=(2, 3), padding=0, dilation=1, ceil_mode=False)", Row26::ZERO.to_string()),
        ("MaxPool2d(3, stride = 2, padding = 1)", "MaxPool2d(kernel_size=3, stride=2, padding=1, dilation=1, ceil_mode=False)", Row27::ZERO.to_string()),
        ("MaxPool2d(2, stride = (1, 2))", "MaxPool2d(kernel_size=2, stride=(1, 2), padding=0, dilation=1, ceil_mode=False)", Row28::ZERO.to_string()),
        ("MaxPool2d(3, stride = 1, padding = (1, 0))", "MaxPool2d(kernel_size=3, stride=1, padding=(1, 0), dilation=1, ceil_mode=False)", Row29::ZERO.to_string()),
        ("MaxPool2d((2, 2), stride = None)", "MaxPool2d(kernel_size=(2, 2), stride=(2, 2), padding=0, dilation=1, ceil_mode=False)", Row30::ZERO.to_string()),
        ("AvgPool1d(2)", "AvgPool1d(kernel_size=(2,), stride=(2,), padding=(0,))", Row31::ZERO.to_string()),
        ("AvgPool1d((2,))", "AvgPool1d(kernel_size=(2,), stride=(2,), padding=(0,))", Row32::ZERO.to_string()),
        ("AvgPool1d(3, stride = 1, padding = 1)", "AvgPool1d(kernel_size=(3,), stride=(1,), padding=(1,))", Row33::ZERO.to_string()),
        ("AvgPool2d(2)", "AvgPool2d(kernel_size=2, stride=2, padding=0)", Row34::ZERO.to_string()),
        ("AvgPool2d((2, 2))", "AvgPool2d(kernel_size=(2, 2), stride=(2, 2), padding=0)", Row35::ZERO.to_string()),
        ("AvgPool2d((2, 3), stride = (1, 2))", "AvgPool2d(kernel_size=(2, 3), stride=(1, 2), padding=0)", Row36::ZERO.to_string()),
        ("AvgPool2d(3, stride = 1, padding = 1, ceil_mode = false, count_include_pad = true)", "AvgPool2d(kernel_size=3, stride=1, padding=1)", Row37::ZERO.to_string()),
        ("AdaptiveAvgPool1d(1)", "AdaptiveAvgPool1d(output_size=1)", Row38::ZERO.to_string()),
        ("AdaptiveAvgPool1d((1,))", "AdaptiveAvgPool1d(output_size=(1,))", Row39::ZERO.to_string()),
        ("AdaptiveAvgPool1d(output_size = 5)", "AdaptiveAvgPool1d(output_size=5)", Row40::ZERO.to_string()),
        ("AdaptiveAvgPool2d(1)", "AdaptiveAvgPool2d(output_size=1)", Row41::ZERO.to_string()),
        ("AdaptiveAvgPool2d((1, 1))", "AdaptiveAvgPool2d(output_size=(1, 1))", Row42::ZERO.to_string()),
        ("AdaptiveAvgPool2d((2, 3))", "AdaptiveAvgPool2d(output_size=(2, 3))", Row43::ZERO.to_string()),
        ("ZeroPad1d(1)", "ZeroPad1d((1, 1))", Row44::ZERO.to_string()),
        ("ZeroPad1d((2, 0))", "ZeroPad1d((2, 0))", Row45::ZERO.to_string()),
        ("ZeroPad2d(1)", "ZeroPad2d((1, 1, 1, 1))", Row46::ZERO.to_string()),
        ("ZeroPad2d((1, 1, 2, 0))", "ZeroPad2d((1, 1, 2, 0))", Row47::ZERO.to_string()),
        ("ZeroPad2d(padding = (0, 1, 0, 1))", "ZeroPad2d((0, 1, 0, 1))", Row48::ZERO.to_string()),
        ("BatchNorm1d(4)", "BatchNorm1d(4, eps=1e-05, momentum=0.1, affine=True, bias=True, track_running_stats=True)", Row49::ZERO.to_string()),
        ("BatchNorm1d(4, eps = 1e-3, momentum = 0.01)", "BatchNorm1d(4, eps=0.001, momentum=0.01, affine=True, bias=True, track_running_stats=True)", Row50::ZERO.to_string()),
        ("BatchNorm1d(4, eps = 1, momentum = 1)", "BatchNorm1d(4, eps=1, momentum=1, affine=True, bias=True, track_running_stats=True)", Row51::ZERO.to_string()),
        ("BatchNorm1d(4, 0.001, 0.2, true, true)", "BatchNorm1d(4, eps=0.001, momentum=0.2, affine=True, bias=True, track_running_stats=True)", Row52::ZERO.to_string()),
        ("BatchNorm1d(num_features = 4, affine = true, track_running_stats = true)", "BatchNorm1d(4, eps=1e-05, momentum=0.1, affine=True, bias=True, track_running_stats=True)", Row53::ZERO.to_string()),
        ("BatchNorm2d(3)", "BatchNorm2d(3, eps=1e-05, momentum=0.1, affine=True, bias=True, track_running_stats=True)", Row54::ZERO.to_string()),
        ("BatchNorm2d(3, eps = 1e-3, momentum = 0.99)", "BatchNorm2d(3, eps=0.001, momentum=0.99, affine=True, bias=True, track_running_stats=True)", Row55::ZERO.to_string()),
        ("BatchNorm2d(3, eps = 0.00001)", "BatchNorm2d(3, eps=1e-05, momentum=0.1, affine=True, bias=True, track_running_stats=True)", Row56::ZERO.to_string()),
        ("Dropout", "Dropout(p=0.5, inplace=False)", Row57::ZERO.to_string()),
        ("Dropout(0.2)", "Dropout(p=0.2, inplace=False)", Row58::ZERO.to_string()),
        ("Dropout(p = 0.25)", "Dropout(p=0.25, inplace=False)", Row59::ZERO.to_string()),
        ("Dropout(1)", "Dropout(p=1, inplace=False)", Row60::ZERO.to_string()),
        ("Dropout(0)", "Dropout(p=0, inplace=False)", Row61::ZERO.to_string()),
        ("Dropout(0.2, inplace = true)", "Dropout(p=0.2, inplace=True)", Row62::ZERO.to_string()),
        ("Dropout(0.2, true)", "Dropout(p=0.2, inplace=True)", Row63::ZERO.to_string()),
        ("Dropout(inplace = false)", "Dropout(p=0.5, inplace=False)", Row64::ZERO.to_string()),
        ("Flatten", "Flatten(start_dim=1, end_dim=-1)", Row65::ZERO.to_string()),
        ("Flatten()", "Flatten(start_dim=1, end_dim=-1)", Row66::ZERO.to_string()),
        ("Flatten(start_dim = 1, end_dim = -1)", "Flatten(start_dim=1, end_dim=-1)", Row67::ZERO.to_string()),
        ("Flatten(1)", "Flatten(start_dim=1, end_dim=-1)", Row68::ZERO.to_string()),
        ("Tanh", "Tanh()", Row69::ZERO.to_string()),
        ("ReLU", "ReLU()", Row70::ZERO.to_string()),
        ("ReLU(inplace = true)", "ReLU(inplace=True)", Row71::ZERO.to_string()),
        ("ReLU(true)", "ReLU(inplace=True)", Row72::ZERO.to_string()),
        ("ReLU(inplace = false)", "ReLU()", Row73::ZERO.to_string()),
        ("ReLU6", "ReLU6()", Row74::ZERO.to_string()),
        ("ReLU6(inplace = true)", "ReLU6(inplace=True)", Row75::ZERO.to_string()),
        ("Sigmoid", "Sigmoid()", Row76::ZERO.to_string()),
        ("LeakyReLU", "LeakyReLU(negative_slope=0.01)", Row77::ZERO.to_string()),
        ("LeakyReLU(0.1)", "LeakyReLU(negative_slope=0.1)", Row78::ZERO.to_string()),
        ("LeakyReLU(negative_slope = 1)", "LeakyReLU(negative_slope=1)", Row79::ZERO.to_string()),
        ("LeakyReLU(0.2, inplace = true)", "LeakyReLU(negative_slope=0.2, inplace=True)", Row80::ZERO.to_string()),
        ("LeakyReLU(0.2, true)", "LeakyReLU(negative_slope=0.2, inplace=True)", Row81::ZERO.to_string()),
        ("LeakyReLU(-0.5)", "LeakyReLU(negative_slope=-0.5)", Row82::ZERO.to_string()),
        ("LeakyReLU(0.123456789)", "LeakyReLU(negative_slope=0.123456789)", Row83::ZERO.to_string()),
        ("GELU", "GELU(approximate='none')", Row84::ZERO.to_string()),
        ("GELU(approximate = \"tanh\")", "GELU(approximate='tanh')", Row85::ZERO.to_string()),
        ("GELU(approximate = \"none\")", "GELU(approximate='none')", Row86::ZERO.to_string()),
        ("SiLU", "SiLU()", Row87::ZERO.to_string()),
        ("SiLU(inplace = true)", "SiLU(inplace=True)", Row88::ZERO.to_string()),
        ("Softplus", "Softplus(beta=1.0, threshold=20.0)", Row89::ZERO.to_string()),
        ("Softplus(beta = 2, threshold = 10)", "Softplus(beta=2, threshold=10)", Row90::ZERO.to_string()),
        ("Softplus(2.0, 10.0)", "Softplus(beta=2.0, threshold=10.0)", Row91::ZERO.to_string()),
        ("Softplus(beta = 0.5)", "Softplus(beta=0.5, threshold=20.0)", Row92::ZERO.to_string()),
        ("Softplus(threshold = 5)", "Softplus(beta=1.0, threshold=5)", Row93::ZERO.to_string()),
        ("ELU", "ELU(alpha=1.0)", Row94::ZERO.to_string()),
        ("ELU(0.5)", "ELU(alpha=0.5)", Row95::ZERO.to_string()),
        ("ELU(alpha = 1)", "ELU(alpha=1)", Row96::ZERO.to_string()),
        ("ELU(inplace = true)", "ELU(alpha=1.0, inplace=True)", Row97::ZERO.to_string()),
        ("ELU(2, true)", "ELU(alpha=2, inplace=True)", Row98::ZERO.to_string()),
        ("Hardswish", "Hardswish()", Row99::ZERO.to_string()),
        ("Hardswish(inplace = true)", "Hardswish()", Row100::ZERO.to_string()),
        ("Hardsigmoid", "Hardsigmoid()", Row101::ZERO.to_string()),
        ("Hardsigmoid(true)", "Hardsigmoid()", Row102::ZERO.to_string()),
        ("Identity", "Identity()", Row103::ZERO.to_string()),
        ("Softmax(dim = 1)", "Softmax(dim=1)", Row104::ZERO.to_string()),
        ("Softmax(dim = -1)", "Softmax(dim=-1)", Row105::ZERO.to_string()),
        ("LogSoftmax(dim = 1)", "LogSoftmax(dim=1)", Row106::ZERO.to_string()),
        ("LogSoftmax(-1)", "LogSoftmax(dim=-1)", Row107::ZERO.to_string()),
    ]
}
