/* Demo stand-in for Liferay's barebone.jsp bundle: no behaviour. */
window.AUI=window.AUI||function(){return{use:function(){}}};
